"""`python -m lawdash bench`: how lawdash scales, measured on this machine and printed (not a test).

It builds what it needs in a temporary folder (removed afterwards):

- databases of synthetic but realistic townships (`lawdash.synthetic`), 1,000 records per
  township and year: by default 1 × 1 year, 15 × 10 years and 100 × 10 years (about 1M records);
- monthly workbooks: a typical month (about 200 rows on the five sheets) and a 50,000-row one.

and measures

- ingest: seconds to validate and store the typical month, rows per second of validating the
  large workbook, against `pandas.read_excel(engine="openpyxl")` on the same file in the same run;
- pages: the computation of the overview (`lawdash.overview`) and of the county page
  (`lawdash.county` and its three figures) at each size, medians of several runs, and the ratio
  of the largest size to the smallest; a rerun of each page with unchanged data (Streamlit's
  AppTest, caches warm);
- the server (`--sessions N`): N browsers (Playwright, Debian chromium) opening the overview at
  once on the largest database; load times and the server process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
from sqlalchemy import Engine

from lawdash import auth, county, safety, store, synthetic
from lawdash.catalogue import default_catalogue
from lawdash.charts import ChartContext, county_pace_heatmap, county_ranking_figure, county_submissions_figure
from lawdash.importer import import_workbooks
from lawdash.overview import overview

RECORDS_PER_TOWN_YEAR = 1_000
DEFAULT_SIZES = (1_000, 150_000, 1_000_000)
LAST_YEAR = 2025
ROOT = Path(__file__).resolve().parent.parent
TARGETS = {  # the targets on a 2-core machine
    "overview_ms": 300.0,
    "overview_ratio": 3.0,
    "monthly_import_ms": 300.0,
    "speedup": 5.0,
    "rerun_ms": 50.0,
}


def shape(records: int) -> tuple[int, int]:
    """(townships, years) for about `records` records: 10 years once there are 10 township-years."""
    town_years = max(1, round(records / RECORDS_PER_TOWN_YEAR))
    years = 10 if town_years >= 10 else 1
    return max(1, town_years // years), years


def build(db: str, records: int, seed: int = 1) -> tuple[Engine, list[str], int]:
    """A database of synthetic townships at `db` (a path or URL); returns the engine, townships, records stored."""
    towns, years = shape(records)
    engine = store.get_engine(db)
    store.seed_reference(engine)
    names = [t.name for t in default_catalogue().towns]
    stored = 0
    for t in synthetic.townships(towns, seed=seed, skip=tuple(names)):
        stored += synthetic.store_township(
            engine, t, (LAST_YEAR - years + 1, 1), (LAST_YEAR, 12), RECORDS_PER_TOWN_YEAR, seed
        )
        names.append(t.name)
    return engine, names[1:], stored


def median_ms(fn: Callable[[], object], runs: int = 9, warmup: int = 2) -> float:
    """Median wall time of `runs` calls after `warmup` calls (imports, caches), in milliseconds."""
    for _ in range(warmup):
        fn()
    gc.collect()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def page_times(engine: Engine, town: str) -> dict[str, float]:
    """The overview's computation for one township (data, then with its figure) and the county page's."""
    as_of = dt.date(LAST_YEAR, 12, 31)

    def county_page() -> None:
        c = county.county(engine, LAST_YEAR, as_of)
        ctx = ChartContext(county.COUNTY_LABEL, LAST_YEAR, as_of)
        for build_figure in (county_pace_heatmap, county_ranking_figure, county_submissions_figure):
            build_figure(c, ctx)

    return {
        "overview_ms": median_ms(lambda: overview(engine, town, LAST_YEAR, as_of)),
        "overview_data_ms": median_ms(lambda: overview(engine, town, LAST_YEAR, as_of, figure=False)),
        "county_ms": median_ms(county_page),
        "county_data_ms": median_ms(lambda: county.county(engine, LAST_YEAR, as_of)),
    }


def ui_times(kind: str, db: str, town: str, *extra: str) -> dict[str, float]:
    """A measurement that needs the UI (`benchmarks/ui.py`: AppTest reruns, browsers against a server).

    It runs in its own process, so that the engine never imports streamlit or a browser driver.
    """
    cmd = [sys.executable, "-m", "benchmarks.ui", kind, db, town, str(LAST_YEAR), *extra]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks/ui.py {kind} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ ingest


def month_workbook(rng: random.Random, year: int = LAST_YEAR, month: int = 3, rows: int = 200) -> bytes:
    """A typical month as clerks keep it: five sheets, title rows, text figures, villages without 村."""
    town = default_catalogue().towns[0]
    day = lambda: f"{year}年{month}月{rng.randint(1, 28)}日"
    village = lambda: rng.choice(town.villages).removesuffix("村") if rng.random() < 0.3 else rng.choice(town.villages)
    sheets: dict[str, tuple[list[str], Callable[[], list[object]], int]] = {
        "会议学法": (
            ["日期", "类型", "主题", "参加人数", "村或单位"],
            lambda: [day(), rng.choice(["专题会议", "中心组学法", "会前学法"]), "学法", f"{rng.randint(5, 40)}人", "镇政府"],
            rows // 10,
        ),
        "培训": (
            ["时间", "培训名称", "类型", "参训人数（人）"],
            lambda: [day(), "依法行政培训", rng.choice(["执法能力培训", "法治讲座"]), rng.randint(20, 80)],
            rows // 20,
        ),
        "普法宣传": (
            ["日期", "活动名称", "阵地", "地点", "发放资料（份）", "受众人数"],
            lambda: [day(), "宪法宣传", "乡村", village(), f"约{rng.randint(5, 40) * 10}", rng.randint(20, 300)],
            rows * 2 // 5,
        ),
        "矛盾纠纷调解": (
            ["受理日期", "村（社区）", "纠纷类型", "调解结果"],
            lambda: [day(), village(), rng.choice(["邻里", "婚姻家庭", "土地征收"]), rng.choice(["调解成功", "调解成功", "调解未成", "调解中"])],
            rows * 2 // 5,
        ),
        "其他指标": (
            ["日期", "指标", "数量"],
            lambda: [day(), rng.choice(["规范性文件合法性审查", "民主法治示范村申报"]), 1],
            rows - rows // 10 - rows // 20 - 2 * (rows * 2 // 5),
        ),
    }  # fmt: skip
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (header, row, n) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([f"{town.name}{year}年{month}月{name}台账"])
        ws.append(header)
        for _ in range(max(n, 1)):
            ws.append(row())
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ingest_times(folder: Path, db: str, large_rows: int) -> dict[str, float]:
    """Typical month stored in `db` (ms, median) and the large workbook's validation rate against the baseline."""
    from lawdash import benchmark_ingest

    engine = store.get_engine(db)
    store.seed_reference(engine)
    rng = random.Random(3)
    months = iter(range(1, 10_000))

    def store_month() -> None:  # a new month every time, so that every run validates and stores
        m = next(months)
        data = month_workbook(rng, year=2000 + m // 12, month=m % 12 + 1)
        result = import_workbooks(engine, [(f"{m}.xlsx", data)], town=default_catalogue().towns[0].name)
        assert result.status == "stored", result.summary()

    out = {"monthly_import_ms": median_ms(store_month, runs=9)}
    out.update(benchmark_ingest.measure_ingest(folder, rows=large_rows))
    return out


# ------------------------------------------------------------------ the run


def run(
    sizes: list[int], sessions: int, large_rows: int, rerun: bool, keep: Path | None, postgres: str | None = None
) -> dict[str, object]:
    """Everything above; databases in a temporary folder, or on the PostgreSQL server `postgres`."""
    auth.set_actor(auth.SYSTEM)  # the benchmark acts as the server's operator
    folder = Path(tempfile.mkdtemp(prefix="lawdash-bench-"))
    made: list[str] = []
    result: dict[str, object] = {"machine": machine(), "backend": "postgresql" if postgres else "sqlite", "sizes": {}}
    towns: list[str] = []
    try:
        result.update(ingest_times(folder, _database(folder, 0, postgres, made), large_rows))
        for size in sizes:
            db = _database(folder, size, postgres, made)
            start = time.perf_counter()
            engine, towns, records = build(db, size)
            built = round(time.perf_counter() - start, 1)
            row: dict[str, object] = {"records": records, "townships": len(towns), "build_s": built}
            row.update(page_times(engine, towns[0]))
            if rerun:
                row.update(ui_times("rerun", db, towns[0]))
            result["sizes"][str(size)] = row  # type: ignore[index]
            print(f"  {size}: {json.dumps(row, ensure_ascii=False)}", file=sys.stderr)
        per = result["sizes"]  # type: ignore[assignment]
        largest, smallest = per[str(max(sizes))], per[str(min(sizes))]  # type: ignore[index]
        result["overview_ratio"] = round(largest["overview_ms"] / smallest["overview_ms"], 2)
        result["county_ratio"] = round(largest["county_ms"] / smallest["county_ms"], 2)
        if sessions:
            result["server"] = ui_times("sessions", db, towns[0], str(sessions))  # the largest database, built last
        if keep and not postgres:
            keep.mkdir(parents=True, exist_ok=True)
            for file in folder.glob("*.db"):
                shutil.copy2(file, keep / file.name)
    finally:
        for url in list(store._engines):
            if str(folder) in url or any(url.endswith(f"/{name}") for name in made):
                store._engines.pop(url).dispose()
        shutil.rmtree(folder, ignore_errors=True)
        if made:
            _drop(postgres or "", made)
    return result


def _database(folder: Path, size: int, postgres: str | None, made: list[str]) -> str:
    """Where the database of one size lives: a file in the folder, or a new PostgreSQL database."""
    if not postgres:
        return str(folder / f"{size}.db")
    from sqlalchemy import create_engine, text

    name = f"lawdash_bench_{size}_{os.getpid()}"
    admin = create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    made.append(name)
    return f"{postgres}/{name}"


def _drop(postgres: str, names: list[str]) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def machine() -> dict[str, object]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": dt.date.today().isoformat(),
    }


def table(result: dict[str, object]) -> str:
    """The result as a Markdown table, each target marked met (✓) or missed (✗ and by how much)."""
    m = result["machine"]
    per: dict[str, dict[str, float]] = result["sizes"]  # type: ignore[assignment]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['system']}; run {m['date']}; "  # type: ignore[index]
        f"database: {result['backend']}.",
        "",
        "| size (records) | townships | overview ms (data only) | county page ms (data only) | overview rerun ms | county rerun ms | build s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for row in per.values():
        lines.append(
            f"| {row['records']:,} | {row['townships']} | {row['overview_ms']} ({row['overview_data_ms']}) "
            f"| {row['county_ms']} ({row['county_data_ms']}) | {row.get('overview_rerun_ms', '—')} "
            f"| {row.get('county_rerun_ms', '—')} | {row['build_s']} |"
        )
    largest = per[str(max(int(k) for k in per))]
    reruns = [v for row in per.values() for k, v in row.items() if k.endswith("_rerun_ms")]
    checks = [
        ("Overview at the largest size", largest["overview_ms"], "≤", TARGETS["overview_ms"], "ms"),
        ("Overview, largest / smallest", result["overview_ratio"], "≤", TARGETS["overview_ratio"], "×"),
        ("Typical monthly workbook validated and stored", result["monthly_import_ms"], "≤", TARGETS["monthly_import_ms"], "ms"),
        (f"{result['rows']:,} rows ({result['files']} workbooks, one batch): speed-up over pandas+openpyxl", round(result["rows_per_s"] / result["baseline_rows_per_s"], 1), "≥", TARGETS["speedup"], "×"),  # type: ignore[operator]
    ]  # fmt: skip
    if reruns:
        checks.append(("Slowest page rerun with unchanged data", max(reruns), "≤", TARGETS["rerun_ms"], "ms"))
    lines += ["", "| target | measured | goal | |", "| --- | ---: | ---: | --- |"]
    for name, value, op, goal, unit in checks:
        met = value <= goal if op == "≤" else value >= goal  # type: ignore[operator]
        verdict = "met" if met else f"missed by {abs(value - goal):.1f} {unit}"  # type: ignore[operator]
        lines.append(f"| {name} | {value} {unit} | {op} {goal:g} {unit} | {verdict} |")
    lines += [
        "",
        f"Ingest: {result['rows']:,} rows in {result['files']} workbooks (one sheet may hold at most "
        f"{safety.MAX_ROWS:,} rows) validated at {result['rows_per_s']:,.0f} rows/s; "
        f'`pandas.read_excel(engine="openpyxl")` reads it at {result["baseline_rows_per_s"]:,.0f} rows/s; '
        f"a typical month (200 rows, five sheets) validated and stored in {result['monthly_import_ms']} ms.",
        f"County page at the largest size / smallest: {result['county_ratio']}×.",
    ]
    if server := result.get("server"):
        s: dict[str, float] = server  # type: ignore[assignment]
        lines.append(
            f"Server on the largest database, {s['sessions']} browsers opening the overview at once: "
            f"{s['failed']} failed; load time median {s['load_median_s']} s, 95th percentile {s['load_p95_s']} s "
            f"(one session alone: {s['single_load_s']} s); the server process used {s['server_cpu_s']} s of CPU "
            f"in the {s['wall_s']} s the {s['sessions']} took; "
            f"server RSS {s['idle_rss_mb']} MB idle, peak {s['peak_rss_mb']} MB."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lawdash bench", description="性能基准：生成数据、计时并输出结果")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="数据库规模（记录数），逗号分隔")
    parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
    parser.add_argument("--sessions", type=int, default=None, help="并发浏览器会话数（默认：表格 20，--json 0）")
    parser.add_argument("--large-rows", type=int, default=50_000, help="大工作簿的行数")
    parser.add_argument("--no-rerun", action="store_true", help="不测页面重跑时间")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks" / "latest.md", help="结果表格文件")
    parser.add_argument("--keep", type=Path, default=None, help="保留生成的 SQLite 数据库到此目录")
    parser.add_argument(
        "--postgres",
        default=None,
        help="在此 PostgreSQL 服务器上建库测试，如 postgresql+psycopg://postgres@127.0.0.1:5432",
    )
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    sessions = args.sessions if args.sessions is not None else (0 if args.json else 20)
    result = run(sizes, sessions, args.large_rows, not args.no_rerun, args.keep, args.postgres)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    text = table(result)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    args.output.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
