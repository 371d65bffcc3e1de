"""Benchmark: import one month's workbook of about 200 rows and print the times (not a test).

Run: .venv/bin/python scripts/bench_import.py
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lawdash import store
from lawdash.catalogue import default_catalogue
from lawdash.importer import import_workbooks
from lawdash.progress import progress_for_year


def month_workbook(rows_per_sheet: int = 50, seed: int = 1, month: int = 3) -> bytes:
    """A messy month: title rows, text numbers, villages without 村, a 合计 row."""
    rng = random.Random(seed)
    villages = default_catalogue().towns[0].villages
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    day = lambda: f"2024年{month}月{rng.randint(1, 28)}日"
    sheets = {
        "会议学法": (
            ["日期", "类型", "主题", "参加人数", "村或单位"],
            lambda: [day(), rng.choice(["专题会议", "中心组学法", "会前学法"]), "学习", rng.randint(5, 40), "镇政府"],
        ),
        "培训": (
            ["时间", "培训名称", "类型", "参训人数（人）"],
            lambda: [day(), "培训", "法治讲座", f"{rng.randint(10, 90)}人"],
        ),
        "普法宣传": (
            ["日期", "活动名称", "阵地", "村或地点", "发放资料\n（份）"],
            lambda: [day(), "宣传", "乡村", rng.choice(villages).removesuffix("村"), f"约{rng.randint(50, 300)}"],
        ),
        "矛盾纠纷调解": (
            ["受理日期", "村", "纠纷类型", "调解结果"],
            lambda: [day(), rng.choice(villages), "邻里", rng.choice(["调解成功", "调解中"])],
        ),
    }
    for name, (header, row) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([f"商酒务镇2024年{month}月{name}台账"])
        ws.append(header)
        for _ in range(rows_per_sheet):
            ws.append(row())
        ws.append(["合计"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def timed(fn, repeat: int = 5) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.get_engine(Path(tmp) / "bench.db")
        store.seed_reference(engine)
        a, b = month_workbook(seed=1), month_workbook(seed=2)
        first = timed(lambda: import_workbooks(engine, [("商酒务镇2024年3月.xlsx", a)]), 1)
        same = timed(lambda: import_workbooks(engine, [("商酒务镇2024年3月.xlsx", a)]))
        flips = iter([b, a] * 5)
        replace = timed(lambda: import_workbooks(engine, [("商酒务镇2024年3月.xlsx", next(flips))]))
        check = timed(
            lambda: import_workbooks(engine, [("商酒务镇2024年4月.xlsx", month_workbook(month=4))], dry_run=True)
        )
        prog = timed(lambda: progress_for_year(engine, "商酒务镇", 2024, dt.date(2024, 12, 31)))
    print("one month, 200 rows in 4 sheets (messy: title rows, text numbers, 合计 rows)")
    for label, times in [
        ("first import", first),
        ("re-import unchanged", same),
        ("re-import replacing", replace),
        ("dry-run check", check),
        ("progress for the year", prog),
    ]:
        print(
            f"  {label:24s} median {statistics.median(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   (n={len(times)})"
        )


if __name__ == "__main__":
    main()
