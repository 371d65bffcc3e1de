"""Progress: pace, status thresholds, rates, targets, and indicators added as data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from lawdash.catalogue import CATALOGUE_PATH, default_catalogue, load_catalogue
from lawdash.errors import CatalogueError, Refused, WorkbookRejected
from lawdash.importer import import_workbooks
from lawdash.progress import default_as_of, judge, progress_for_year
from lawdash.targets import TargetValue, copy_targets, get_targets, read_targets_workbook, set_targets
from tests.conftest import SAMPLES, TOWN, build_workbook

CAT = default_catalogue()


@pytest.mark.parametrize(
    ("ident", "actual", "target", "as_of", "expected", "percent", "status"),
    [
        ("materials_distributed", 6000, 6000, "2024-06-30", 3000, 100.0, "done"),
        ("materials_distributed", 3000, 6000, "2024-06-30", 3000, 50.0, "on_track"),
        ("materials_distributed", 2999, 6000, "2024-06-30", 3000, 50.0, "behind"),
        ("materials_distributed", 2100, 6000, "2024-06-30", 3000, 35.0, "behind"),  # exactly 70 % of expected
        ("materials_distributed", 2099, 6000, "2024-06-30", 3000, 35.0, "far_behind"),
        ("materials_distributed", 500, 6000, "2024-01-15", 500, 8.3, "on_track"),
        ("topic_meetings", 0, 4, "2024-02-29", 0, 0.0, "on_track"),  # quarterly plan: none due yet
        ("topic_meetings", 0, 4, "2024-03-31", 1, 0.0, "far_behind"),
        ("topic_meetings", 2, 4, "2024-08-31", 2, 50.0, "on_track"),
        ("topic_meetings", 4, 4, "2024-12-31", 4, 100.0, "done"),
        ("mediation_success_rate", 92.0, 90, "2024-03-31", 90, 102.2, "on_track"),  # a floor, not a pace
        ("mediation_success_rate", 85.0, 90, "2024-03-31", 90, 94.4, "behind"),
        ("mediation_success_rate", 60.0, 90, "2024-03-31", 90, 66.7, "far_behind"),
    ],
)
def test_status_table(
    ident: str, actual: float, target: float, as_of: str, expected: float, percent: float, status: str
) -> None:
    p = judge(CAT.indicator(ident), actual, TargetValue(target), dt.date.fromisoformat(as_of), 0.7)
    assert (p.expected, p.percent, p.status) == (expected, percent, status)


def test_no_target_and_tracked_only() -> None:
    p = judge(CAT.indicator("trainees"), 40, None, dt.date(2024, 3, 1), 0.7)
    assert (p.target, p.expected, p.percent, p.status) == (None, None, None, "no_target")
    p = judge(CAT.indicator("disputes_mediated"), 40, TargetValue(100), dt.date(2024, 3, 1), 0.7)
    assert p.status == "no_target"


def test_monthly_plan_of_a_target_overrides_the_catalogue_pace() -> None:
    plan = (0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0)
    p = judge(CAT.indicator("cadre_trainings"), 0, TargetValue(8, plan), dt.date(2024, 5, 31), 0.7)
    assert (p.expected, p.status) == (0, "on_track")


def test_actuals_count_only_records_up_to_the_as_of_date(engine: Engine) -> None:
    import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    early = {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 2, 10))}
    assert early["materials_distributed"] == 100  # only the 6 Feb activity
    assert early["disputes_mediated"] == 2


def test_targets_set_copy_and_refuse(engine: Engine) -> None:
    set_targets(engine, TOWN, 2023, {"topic_meetings": 4, "materials_distributed": 5000})
    assert copy_targets(engine, TOWN, 2023, 2024) == 2
    assert get_targets(engine, TOWN, 2024)["materials_distributed"].value == 5000
    with pytest.raises(Refused, match="仅统计，不设目标"):
        set_targets(engine, TOWN, 2024, {"topic_meetings": 5, "disputes_mediated": 100})
    assert get_targets(engine, TOWN, 2024)["topic_meetings"].value == 4  # nothing of the refused call stored
    set_targets(engine, TOWN, 2024, {"topic_meetings": None})
    assert "topic_meetings" not in get_targets(engine, TOWN, 2024)


def test_targets_from_a_workbook() -> None:
    data = build_workbook(
        {
            "年度目标": [
                ["指标", "目标值"],
                ["法治政府建设专题会议", 4],
                ["materials_distributed", "6,000"],
                ["调解成功率", "90%"],
            ]
        }
    )
    assert read_targets_workbook("目标.xlsx", data) == {
        "topic_meetings": 4,
        "materials_distributed": 6000,
        "mediation_success_rate": 90,
    }
    bad = build_workbook({"年度目标": [["指标", "目标值"], ["植树", 4], ["专题会议", -1]]})
    with pytest.raises(WorkbookRejected) as info:
        read_targets_workbook("目标.xlsx", bad)
    assert [p.cell for p in info.value.problems] == ["A2", "B3"]


def test_default_as_of(engine: Engine) -> None:
    import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    assert default_as_of(engine, TOWN, 2024, today=dt.date(2025, 5, 1)) == dt.date(2024, 2, 29)
    assert default_as_of(engine, TOWN, 2024, today=dt.date(2024, 5, 1)) == dt.date(2024, 5, 1)
    assert default_as_of(engine, TOWN, 2020, today=dt.date(2025, 5, 1)) == dt.date(2020, 12, 31)


def test_an_indicator_added_in_the_catalogue_needs_no_code(engine: Engine, tmp_path: Path) -> None:
    extra = """
[[indicators]]
id = "pre_meeting_attendance"
name = "会前学法参学人次"
unit = "人次"
sheet = "meetings"
aggregation = "sum"
value = "attendees"
filter = { type = ["会前学法"] }
direction = "up"

[[indicators]]
id = "study_sessions"
name = "学法活动（中心组与会前）"
unit = "次"
sheet = "meetings"
aggregation = "count"
filter = { type = ["会前学法", "中心组学法"] }
direction = "up"
"""
    path = tmp_path / "catalogue.toml"
    path.write_text(CATALOGUE_PATH.read_text(encoding="utf-8") + extra, encoding="utf-8")
    cat = load_catalogue(path)
    # stored before the catalogue knew them: their figures are derived from the stored records
    import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    rows = {p.id: p for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 2, 29), cat=cat)}
    assert rows["pre_meeting_attendance"].actual == 20
    assert rows["study_sessions"].actual == 3
    assert rows["pre_meeting_study"].actual == 1  # the existing ones are unchanged
    # a workbook imported under the new catalogue counts for the new indicators at once
    march = [(p.name.replace("2月", "3月"), p.read_bytes()) for p in SAMPLES]
    import_workbooks(engine, march, year=2024, month=3, cat=cat)
    rows = {p.id: p for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 3, 31), cat=cat)}
    assert rows["study_sessions"].actual == 6
    assert rows["pre_meeting_attendance"].actual == 40
    # and the catalogue without them reads the same database
    assert {p.id for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 3, 31))}.isdisjoint(
        {"pre_meeting_attendance", "study_sessions"}
    )


def test_a_broken_catalogue_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    text = CATALOGUE_PATH.read_text(encoding="utf-8").replace('value = "materials"', 'value = "paper"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="统计列“paper”不在来源表中"):
        load_catalogue(path)
