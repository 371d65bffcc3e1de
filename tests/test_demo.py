"""The demo township: 2023 reproduces the report, mid-2024 shows lagging indicators, the mess imports cleanly."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from lawdash import store
from lawdash.catalogue import default_catalogue
from lawdash.demo import DEMO_TARGETS, DEMO_TOWN, demo_workbooks, load_demo, main
from lawdash.importer import ImportResult
from lawdash.problems import Code
from lawdash.progress import IndicatorProgress, load_records, progress_for_year
from lawdash.targets import get_targets
from tests.conftest import Databases


@pytest.fixture(scope="module")
def demo(databases: Databases) -> Iterator[tuple[Engine, list[ImportResult]]]:
    with databases.fresh() as url:
        engine = store.get_engine(url)
        yield engine, load_demo(engine)


def _progress(engine: Engine, year: int, as_of: dt.date) -> dict[str, IndicatorProgress]:
    return {p.id: p for p in progress_for_year(engine, DEMO_TOWN, year, as_of)}


@pytest.mark.parametrize(
    ("indicator", "value"),
    [
        ("topic_meetings", 4),
        ("central_group_study", 12),
        ("pre_meeting_study", 20),
        ("cadre_trainings", 6),
        ("trainees", 378),
        ("materials_distributed", 5380),
        ("villages_reached", 25),
        ("disputes_mediated", 124),
        ("mediation_success_rate", 90.1),
        ("demo_villages_applied", 11),
        ("certified_enforcers", 26),
        ("legal_reviews", 8),
    ],
)
def test_2023_reproduces_the_report(demo: tuple[Engine, list[ImportResult]], indicator: str, value: float) -> None:
    p = _progress(demo[0], 2023, dt.date(2023, 12, 31))[indicator]
    assert p.actual == value
    assert p.status == ("done" if indicator in DEMO_TARGETS[2023] else "no_target")


def test_2023_figures_match_the_report_wording(demo: tuple[Engine, list[ImportResult]]) -> None:
    progress = _progress(demo[0], 2023, dt.date(2023, 12, 31))
    assert 5000 <= progress["materials_distributed"].actual < 5600  # 发放宣传资料5000余册份
    assert 120 <= progress["disputes_mediated"].actual < 130  # 纠纷调解120余次
    assert 85 <= progress["mediation_success_rate"].actual <= 95


def test_2023_reaches_all_25_villages(demo: tuple[Engine, list[ImportResult]]) -> None:
    records = load_records(demo[0], DEMO_TOWN, dt.date(2023, 1, 1), dt.date(2023, 12, 31), ["publicity"])
    villages = next(t.villages for t in default_catalogue().towns if t.name == DEMO_TOWN)
    assert set(records["village"].dropna()) == set(villages)
    assert len(villages) == 25
    assert records["village"].isna().any()  # 镇政府, 镇中心小学, 镇工业园: places, not villages


@pytest.mark.parametrize(
    ("indicator", "actual", "status"),
    [
        ("topic_meetings", 2, "on_track"),
        ("central_group_study", 6, "on_track"),
        ("pre_meeting_study", 13, "on_track"),
        ("cadre_trainings", 2, "far_behind"),
        ("trainees", 120, "far_behind"),
        ("materials_distributed", 2480, "behind"),
        ("villages_reached", 14, "on_track"),
        ("disputes_mediated", 60, "no_target"),
        ("mediation_success_rate", 84.5, "behind"),
        ("demo_villages_applied", 0, "far_behind"),
        ("certified_enforcers", 28, "done"),
        ("legal_reviews", 7, "on_track"),
    ],
)
def test_2024_mid_year(demo: tuple[Engine, list[ImportResult]], indicator: str, actual: float, status: str) -> None:
    p = _progress(demo[0], 2024, dt.date(2024, 6, 30))[indicator]
    assert (p.actual, p.status) == (actual, status)


def test_topic_meetings_follow_the_quarterly_pace(demo: tuple[Engine, list[ImportResult]]) -> None:
    p = _progress(demo[0], 2024, dt.date(2024, 6, 30))["topic_meetings"]
    assert p.expected == 2


def test_targets_are_set(demo: tuple[Engine, list[ImportResult]]) -> None:
    for year, values in DEMO_TARGETS.items():
        stored = get_targets(demo[0], DEMO_TOWN, year)
        assert {k: v.value for k, v in stored.items()} == values
    assert "disputes_mediated" not in DEMO_TARGETS[2023] | DEMO_TARGETS[2024]


def test_every_month_is_stored_with_warnings_and_no_errors(demo: tuple[Engine, list[ImportResult]]) -> None:
    results = demo[1]
    assert len(results) == 18
    for r in results:
        assert r.status == "stored"
        assert r.errors == []
        assert r.warnings
    codes = {p.code for r in results for p in r.warnings}
    assert {Code.APPROXIMATE, Code.VILLAGE_COMPLETED, Code.YEAR_GUESSED, Code.CHOICE_ALIAS} <= codes
    assert Code.OUTSIDE_PERIOD not in codes


def test_loading_again_changes_nothing(demo: tuple[Engine, list[ImportResult]]) -> None:
    engine = demo[0]
    version = store.data_version(engine)
    again = load_demo(engine)
    assert {r.status for r in again} == {"unchanged"}
    assert store.data_version(engine) == version
    assert store.get_meta(engine, "demo") == "1"


def test_workbooks_are_stable_and_named_by_month() -> None:
    first, second = demo_workbooks(), demo_workbooks()
    assert first == second
    for _, _, files in first:  # no time of writing inside: the bytes do not depend on when they are built
        for _, data in files:
            assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {(2024, 7, 1, 9, 0, 0)}
            props = openpyxl.load_workbook(io.BytesIO(data)).properties
            assert props.created is not None and props.modified is not None and props.modified.year < 2025
    assert [(y, m) for y, m, _ in first] == [(2023, m) for m in range(1, 13)] + [(2024, m) for m in range(1, 7)]
    split = [(y, m) for y, m, files in first if len(files) > 1]
    assert len(split) == 3
    for y, m, files in first:
        for name, _ in files:
            assert name.startswith(f"{DEMO_TOWN}{y}年{m}月") and name.endswith(".xlsx")


def test_some_months_have_no_training_sheet() -> None:
    without = []
    for y, m, files in demo_workbooks():
        tabs = [ws.title for _, data in files for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets]
        if not any("培训" in t for t in tabs):
            without.append((y, m))
    assert (2023, 1) in without


def test_main_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-o", str(tmp_path / "out")]) == 0
    expected = sorted(name for _, _, files in demo_workbooks() for name, _ in files)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == expected
    assert f"已写出 {len(expected)} 个演示台账" in capsys.readouterr().out
