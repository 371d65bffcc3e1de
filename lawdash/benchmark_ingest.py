"""How fast workbooks are validated: `lawdash.ingest.read_workbooks` against pandas on the same files, same run.

`measure_ingest(tmpdir, rows)` builds `rows` rows of 普法宣传 (title row merged over the header, dates
as Excel dates, a few figures typed as text, villages now and then without 村, as clerks keep them)
and a typical month (about 200 rows on the five sheets), and returns

- `rows_per_s`: rows of the large set validated per second by `read_workbooks` (safety checks,
  reading, every cell parsed, every problem collected), median of a few runs;
- `baseline_rows_per_s`: `pandas.read_excel(engine="openpyxl")` on the same bytes, the issue's baseline;
- `calamine_pandas_rows_per_s`: `pandas.read_excel(engine="calamine")`, for interest;
- `monthly_read_ms`: the typical month validated, median of several runs, in milliseconds.

The large set is split into workbooks of `ROWS_PER_FILE` rows: one workbook of 50,000 rows is
refused by `lawdash.safety` (at most `MAX_ROWS` rows a sheet, `MAX_CELLS` cells a workbook), and
must stay refused. Times are wall-clock (`time.perf_counter`); on a busy machine compare the
ratio, which both sides of one run share, rather than the absolute rates.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl

from lawdash.catalogue import default_catalogue
from lawdash.ingest import read_workbooks

ROWS_PER_FILE = 10_000  # within safety's limits: 20,000 rows a sheet, 300,000 cells a workbook
PUBLICITY_HEADER = ["日期", "活动名称", "阵地", "村或地点", "发放资料份数", "受众人数", "专项活动", "备注"]
YEAR = 2024


def measure_ingest(tmpdir: Path, rows: int = 50_000) -> dict[str, float]:
    """Validation rate of `rows` rows against pandas (rows/s), and the typical month's validation time (ms)."""
    import pandas as pd  # only the benchmark needs it here

    cat = default_catalogue()
    towns = {t.name: t.villages for t in cat.towns}
    files = _write(tmpdir, publicity_workbooks(rows))
    month = _write(tmpdir, [("商酒务镇2024年3月法治政府建设台账.xlsx", month_workbook())])

    def ours() -> None:
        result = read_workbooks(files, cat, towns)
        assert not result.errors and sum(result.rows.values()) == rows, result.errors[:3]

    def with_pandas(engine: str) -> Callable[[], None]:
        def read() -> None:
            for _, data in files:
                pd.read_excel(io.BytesIO(data), engine=engine, header=1)

        return read

    def monthly() -> None:
        result = read_workbooks(month, cat, towns)
        assert not result.errors, result.errors[:3]

    ours()  # warm up: imports, regex compilation, calamine's first load
    seconds: dict[str, list[float]] = {"ours": [], "openpyxl": [], "calamine": []}
    for _ in range(3):  # interleaved, so that a busy moment of the machine falls on all three alike
        seconds["ours"].append(_seconds(ours))
        seconds["openpyxl"].append(_seconds(with_pandas("openpyxl")))
        seconds["calamine"].append(_seconds(with_pandas("calamine")))
    monthly()
    month_ms = statistics.median(_seconds(monthly) for _ in range(9)) * 1000
    rate = {k: rows / statistics.median(v) for k, v in seconds.items()}
    return {
        "rows": rows,
        "files": len(files),
        "rows_per_s": round(rate["ours"]),
        "baseline_rows_per_s": round(rate["openpyxl"]),
        "calamine_pandas_rows_per_s": round(rate["calamine"]),
        "speedup": round(rate["ours"] / rate["openpyxl"], 2),
        "monthly_rows": _MONTH_ROWS,
        "monthly_read_ms": round(month_ms, 1),
    }


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _write(folder: Path, files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Keep the workbooks in `folder` (to open them in Excel), and read them back as an upload hands them over."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    return [(name, (folder / name).read_bytes()) for name, _ in files]


# ------------------------------------------------------------------ the workbooks


def publicity_workbooks(rows: int, seed: int = 1) -> list[tuple[str, bytes]]:
    """`rows` rows of 普法宣传 in workbooks of at most `ROWS_PER_FILE` rows, one month each, as (name, bytes)."""
    rng = random.Random(seed)
    villages = default_catalogue().towns[0].villages
    out = []
    for n, start in enumerate(range(0, rows, ROWS_PER_FILE)):
        month = n % 12 + 1
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "普法宣传"
        ws.append([f"商酒务镇{YEAR}年{month}月普法宣传台账"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PUBLICITY_HEADER))
        ws.append(PUBLICITY_HEADER)
        for i in range(min(ROWS_PER_FILE, rows - start)):
            ws.append(_publicity_row(rng, month, i, villages))
            ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
        buf = io.BytesIO()
        wb.save(buf)
        out.append((f"商酒务镇{YEAR}年{month}月台账-普法宣传-{n + 1}.xlsx", buf.getvalue()))
    return out


def _publicity_row(rng: random.Random, month: int, i: int, villages: tuple[str, ...]) -> list[object]:
    village = rng.choice(villages)
    materials: object = rng.randint(2, 50) * 10
    if rng.random() < 0.05:  # now and then typed as text: 约200 reads with a warning, 200份 without
        materials = rng.choice([f"约{materials}", f"{materials}份"])
    return [
        dt.datetime(YEAR, month, rng.randint(1, 28)),
        rng.choice(["宪法宣传", "民法典宣传", "送法进村", "法治讲座", "反诈宣传"]) + f"（第{i + 1}场）",
        rng.choice(["乡村", "乡村", "校园", "企业", "社区", "机关"]),
        village.removesuffix("村") if rng.random() < 0.1 else village,  # 东庄 for 东庄村: a warning
        materials,
        rng.randint(20, 300),
        rng.choice(["宪法进万家", "八五普法", "民法典宣传", None]),
        rng.choice([None, None, None, "联合派出所", "与司法所共同开展"]),
    ]


_MONTH_SHEETS: dict[str, tuple[list[str], int]] = {  # sheet: header, rows
    "会议学法": (["日期", "类型", "主题", "参加人数", "村或单位", "备注"], 12),
    "培训": (["日期", "培训名称", "类型", "参训人数", "组织单位", "备注"], 6),
    "普法宣传": (PUBLICITY_HEADER, 100),
    "矛盾纠纷调解": (["受理日期", "村", "纠纷类型", "调解结果", "办结日期", "调解组织", "备注"], 70),
    "其他指标": (["日期", "指标", "数量", "说明"], 12),
}
_MONTH_ROWS = sum(n for _, n in _MONTH_SHEETS.values())


def month_workbook(month: int = 3, seed: int = 2) -> bytes:
    """A typical month: the five sheets, a title row over each header, about 200 rows in all."""
    rng = random.Random(seed)
    villages = default_catalogue().towns[0].villages
    day = lambda: dt.datetime(YEAR, month, rng.randint(1, 28))
    rows: dict[str, Callable[[int], list[object]]] = {
        "会议学法": lambda i: [day(), rng.choice(["专题会议", "中心组学法", "会前学法"]), "学习宪法", rng.randint(8, 40), "镇政府", None],
        "培训": lambda i: [day(), "依法行政培训", rng.choice(["执法能力培训", "法治讲座"]), rng.randint(20, 80), "司法所", None],
        "普法宣传": lambda i: _publicity_row(rng, month, i, villages),
        "矛盾纠纷调解": lambda i: [
            day(), rng.choice(villages), rng.choice(["邻里", "婚姻家庭", "土地征收", "赡养"]),
            rng.choice(["调解成功", "调解成功", "调解未成", "调解中"]), None, "村调委会", None,
        ],
        "其他指标": lambda i: [day(), rng.choice(["规范性文件合法性审查", "民主法治示范村申报"]), 1, None],
    }  # fmt: skip
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (header, n) in _MONTH_SHEETS.items():
        ws = wb.create_sheet(name)
        ws.append([f"商酒务镇{YEAR}年{month}月{name}台账"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append(header)
        for i in range(n):
            ws.append(rows[name](i))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
