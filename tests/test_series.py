"""Series behind the charts: monthly and cumulative actuals, pace, last year, villages by month, 报送情况."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from lawdash import facts
from lawdash.catalogue import default_catalogue
from lawdash.importer import import_workbooks
from lawdash.progress import judge, month_end, town_id_or_none
from lawdash.series import (
    IndicatorSeries,
    indicator_series,
    load_indicator_series,
    load_village_matrix,
    month_label,
    submissions,
    villages_not_reached,
)
from lawdash.store import undo_batch
from lawdash.targets import TargetValue, set_targets
from tests.conftest import SAMPLES, TOWN
from tests.reference import Row, store_rows

CAT = default_catalogue()
VILLAGES = CAT.towns[0].villages
NA = None  # how a month with no value reads in `column(...)`


def column(frame: pd.DataFrame, name: str) -> list[float | None]:
    """A column of a series frame as plain values, None where NA."""
    return [None if pd.isna(v) else float(v) for v in frame[name]]


MEETINGS: list[Row] = [
    ("meetings", "2024-01-10", {"type": "专题会议"}),
    ("meetings", "2024-01-20", {"type": "中心组学法"}),  # another indicator's row
    ("meetings", "2024-02-10", {"type": "会前学法"}),
    ("meetings", "2024-03-05", {"type": "专题会议"}),
    ("meetings", "2024-03-25", {"type": "专题会议"}),
    ("publicity", "2024-02-01", {"materials": 300}),  # another sheet
]
MEETINGS_2023: list[Row] = [
    ("meetings", "2023-02-10", {"type": "专题会议"}),
    ("meetings", "2023-06-10", {"type": "专题会议"}),
    ("meetings", "2023-06-12", {"type": "中心组学法"}),
    ("meetings", "2023-11-10", {"type": "专题会议"}),
]
PUBLICITY: list[Row] = [
    ("publicity", "2024-01-05", {"materials": 1000.0, "village": "东村"}),
    ("publicity", "2024-01-20", {"materials": 200.0, "village": None}),  # a place that is no village
    ("publicity", "2024-03-05", {"materials": 1300.0, "village": ["东村", "西村"]}),
    ("publicity", "2024-03-15", {"materials": float("nan"), "village": "李庄村"}),  # no figure: nothing added
    ("publicity", "2024-04-02", {"materials": 500.0, "village": ["西村", "王庄村", "张庄村"]}),
    ("meetings", "2024-02-01", {"type": "专题会议", "attendees": 40, "village": "宋庄村"}),  # not publicity
]
DISPUTES: list[Row] = [
    ("disputes", "2024-01-03", {"result": "调解中", "village": "东村"}),
    ("disputes", "2024-02-03", {"result": "调解成功", "village": "东村"}),
    ("disputes", "2024-02-09", {"result": "调解成功", "village": "西村"}),
    ("disputes", "2024-02-19", {"result": "调解未成", "village": "西村"}),
    ("disputes", "2024-03-03", {"result": "调解中", "village": "李庄村"}),
    ("disputes", "2024-04-03", {"result": "调解成功", "village": "李庄村"}),
    ("disputes", "2024-04-13", {"result": "调解未成", "village": "东村"}),
]


def series(
    engine: Engine, rows: list[Row], ident: str, as_of: dt.date, target: TargetValue | None = None, year: int = 2024
) -> IndicatorSeries:
    """The series of one indicator as the app reads it, with `rows` stored and the year's target set."""
    store_rows(engine, rows)
    if target is not None:
        set_targets(engine, TOWN, year, {ident: target.value}, {ident: target.pace})
    return load_indicator_series(engine, TOWN, year, as_of, CAT.indicator(ident))


def matrix(
    engine: Engine, rows: list[Row], ident: str, upto: int, villages: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Village × month counts of 2024 as the app reads them, with `rows` stored, as of the end of month `upto`."""
    if rows:
        store_rows(engine, rows)
    return load_village_matrix(engine, TOWN, 2024, month_end(2024, upto), CAT.indicator(ident), villages)


def test_count_indicator_with_the_quarterly_plan(engine: Engine) -> None:
    s = series(engine, MEETINGS + MEETINGS_2023, "topic_meetings", dt.date(2024, 4, 15), TargetValue(4))
    assert column(s.frame, "month") == list(range(1, 13))
    assert column(s.frame, "monthly") == [1, 0, 2, 0] + [NA] * 8
    assert column(s.frame, "cumulative") == [1, 1, 3, 3] + [NA] * 8
    assert column(s.frame, "pace") == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4]  # one meeting per quarter
    assert s.target == 4
    assert column(s.frame, "last_year") == [0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3]  # 2023 cumulative, whole year
    assert s.has_last_year


def test_sum_indicator_with_a_linear_pace(engine: Engine) -> None:
    s = series(engine, PUBLICITY, "materials_distributed", dt.date(2024, 3, 31), TargetValue(6000))
    assert column(s.frame, "monthly") == [1200, 0, 1300] + [NA] * 9
    assert column(s.frame, "cumulative") == [1200, 1200, 2500] + [NA] * 9
    assert column(s.frame, "pace") == [500.0 * m for m in range(1, 13)]  # T·m/12
    assert s.target == 6000
    assert column(s.frame, "last_year") == [NA] * 12
    assert not s.has_last_year


def test_an_empty_last_year_is_no_last_year(engine: Engine) -> None:
    # 2023 has meetings stored, but no publicity at all
    s = series(engine, PUBLICITY + MEETINGS_2023, "materials_distributed", dt.date(2024, 3, 31), TargetValue(6000))
    assert not s.has_last_year
    assert column(s.frame, "last_year") == [NA] * 12


def test_a_past_year_shows_all_twelve_months(engine: Engine) -> None:
    s = series(engine, MEETINGS_2023, "topic_meetings", dt.date(2024, 5, 1), TargetValue(4), year=2023)
    assert column(s.frame, "cumulative") == [0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3]


def test_the_monthly_plan_of_a_target_overrides_the_catalogue_pace(engine: Engine) -> None:
    plan = (0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0)
    s = series(engine, PUBLICITY, "materials_distributed", dt.date(2024, 3, 31), TargetValue(6000, plan))
    assert column(s.frame, "pace") == [0, 0, 0, 0, 0, 3000, 3000, 3000, 3000, 3000, 3000, 6000]


@pytest.mark.parametrize(
    ("ident", "target", "as_of"),
    [
        ("topic_meetings", 4, "2024-02-29"),
        ("topic_meetings", 4, "2024-08-15"),
        ("materials_distributed", 5000, "2024-07-31"),
        ("villages_reached", 25, "2024-05-20"),
        ("mediation_success_rate", 90, "2024-03-31"),
    ],
)
def test_the_pace_line_at_the_as_of_month_is_the_expected_value_of_the_status(
    engine: Engine, ident: str, target: float, as_of: str
) -> None:
    ind, day = CAT.indicator(ident), dt.date.fromisoformat(as_of)
    rows = {"meetings": MEETINGS, "publicity": PUBLICITY, "disputes": DISPUTES}
    s = series(engine, rows[ind.sheet], ident, day, TargetValue(target))
    pace = s.frame.loc[s.frame["month"] == day.month, "pace"].iloc[0]
    assert pace == judge(ind, 0, TargetValue(target), day, 0.7).expected


def test_distinct_villages_to_date_are_not_the_sum_of_the_months(engine: Engine) -> None:
    s = series(engine, PUBLICITY, "villages_reached", dt.date(2024, 5, 31), TargetValue(25))
    # Jan 东村; Mar 东村 西村 (one cell) and 李庄村; Apr 西村 王庄村 张庄村 (one cell); Feb only another sheet
    assert column(s.frame, "monthly") == [1, 0, 3, 3, 0] + [NA] * 7
    assert column(s.frame, "cumulative") == [1, 1, 3, 5, 5] + [NA] * 7
    assert s.frame["cumulative"].iloc[4] < s.frame["monthly"].iloc[:5].sum()


def test_success_rate_counts_only_concluded_cases(engine: Engine) -> None:
    s = series(engine, DISPUTES, "mediation_success_rate", dt.date(2024, 4, 30), TargetValue(90))
    # Jan and Mar: only 调解中, nothing concluded, so no rate (not 0 %)
    assert column(s.frame, "monthly") == [NA, 66.7, NA, 50.0] + [NA] * 8
    assert column(s.frame, "cumulative") == [NA, 66.7, 66.7, 60.0] + [NA] * 8  # 3 成功 of 5 concluded
    assert column(s.frame, "pace") == [90.0] * 12  # the floor, every month
    assert s.target == 90


@pytest.mark.parametrize("target", [None, TargetValue(100)])
def test_a_tracked_only_indicator_has_no_target_and_no_pace(engine: Engine, target: TargetValue | None) -> None:
    ind, as_of = CAT.indicator("disputes_mediated"), dt.date(2024, 4, 30)
    store_rows(engine, DISPUTES)
    # the database refuses a target for it, so the series is given one directly
    months = facts.month_totals(engine, town_id_or_none(engine, TOWN), ind, 2024, as_of)  # type: ignore[arg-type]
    s = indicator_series(ind, 2024, as_of, months, None, target)
    assert column(s.frame, "cumulative") == [1, 4, 5, 7] + [NA] * 8
    assert s.target is None
    assert column(s.frame, "pace") == [NA] * 12


def test_village_matrix_counts_rows_per_village_and_month(engine: Engine) -> None:
    m = matrix(engine, PUBLICITY, "villages_reached", 5)
    assert list(m.index) == list(VILLAGES)
    assert list(m.columns) == [1, 2, 3, 4, 5]
    assert m.loc["东村"].tolist() == [1, 0, 1, 0, 0]
    assert m.loc["西村"].tolist() == [0, 0, 1, 1, 0]  # a cell naming several villages counts for each
    assert m.loc["李庄村"].tolist() == [0, 0, 1, 0, 0]
    assert m.loc["宋庄村"].tolist() == [0] * 5  # its row is a meeting, not publicity
    assert int(m.to_numpy().sum()) == 7  # the row with no village counts nowhere


def test_village_matrix_stops_at_the_as_of_month(engine: Engine) -> None:
    m = matrix(engine, PUBLICITY, "villages_reached", 3)
    assert list(m.columns) == [1, 2, 3]
    assert m.loc["王庄村"].tolist() == [0, 0, 0]


def test_village_matrix_keeps_to_the_given_villages(engine: Engine) -> None:
    m = matrix(engine, PUBLICITY, "villages_reached", 5, villages=("西村", "东村"))
    assert m.to_dict("index") == {"西村": {1: 0, 2: 0, 3: 1, 4: 1, 5: 0}, "东村": {1: 1, 2: 0, 3: 1, 4: 0, 5: 0}}


def test_villages_not_reached_in_township_order(engine: Engine) -> None:
    m = matrix(engine, PUBLICITY, "villages_reached", 5)
    reached = {"东村", "西村", "李庄村", "王庄村", "张庄村"}
    assert villages_not_reached(m) == [v for v in VILLAGES if v not in reached]
    assert len(villages_not_reached(m)) == 20


def test_village_matrix_of_disputes(engine: Engine) -> None:
    m = matrix(engine, DISPUTES, "disputes_mediated", 4)
    assert m.loc["东村"].tolist() == [1, 1, 0, 1]
    assert m.loc["西村"].tolist() == [0, 2, 0, 0]
    assert villages_not_reached(m)[:3] == ["商酒务村", "南庄村", "北庄村"]


def test_village_matrix_with_no_records_is_all_zeros(engine: Engine) -> None:
    m = matrix(engine, [], "disputes_mediated", 2)
    assert m.shape == (25, 2)
    assert villages_not_reached(m) == list(VILLAGES)


@pytest.fixture
def imported(engine: Engine) -> int:
    """The sample workbooks of February 2024 stored; returns the batch id."""
    result = import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    assert result.batch is not None
    return result.batch


@pytest.mark.parametrize(
    ("as_of", "month", "due", "sheets"),
    [
        ("2024-02-29", 1, True, []),  # January is due and missing
        ("2024-02-29", 2, True, ["会议学法", "普法宣传", "矛盾纠纷调解"]),
        ("2024-02-28", 2, False, ["会议学法", "普法宣传", "矛盾纠纷调解"]),  # arrived before it is due
        ("2024-03-30", 3, False, []),
        ("2024-03-31", 3, True, []),
        ("2024-03-31", 12, False, []),
        ("2025-01-15", 12, True, []),
    ],
)
def test_submissions(engine: Engine, imported: int, as_of: str, month: int, due: bool, sheets: list[str]) -> None:
    months = submissions(engine, TOWN, 2024, dt.date.fromisoformat(as_of))
    assert [r.month for r in months] == list(range(1, 13))
    report = months[month - 1]
    assert (report.due, report.sheets, report.arrived) == (due, sheets, bool(sheets))


def test_an_undone_import_is_no_submission(engine: Engine, imported: int) -> None:
    undo_batch(engine, imported)
    assert not submissions(engine, TOWN, 2024, dt.date(2024, 2, 29))[1].arrived


def test_submissions_of_another_year_or_township(engine: Engine, imported: int) -> None:
    assert not any(r.arrived for r in submissions(engine, TOWN, 2023, dt.date(2024, 2, 29)))
    assert not any(r.arrived for r in submissions(engine, "别的镇", 2024, dt.date(2024, 2, 29)))


def test_series_and_matrix_read_from_the_database(engine: Engine, imported: int) -> None:
    as_of = dt.date(2024, 3, 31)
    s = load_indicator_series(engine, TOWN, 2024, as_of, CAT.indicator("mediation_success_rate"))
    assert column(s.frame, "cumulative")[:4] == [NA, 66.7, 66.7, NA]  # 2 成功, 1 未成, 1 调解中
    s = load_indicator_series(engine, TOWN, 2024, as_of, CAT.indicator("materials_distributed"))
    assert column(s.frame, "cumulative")[:3] == [0, 1350, 1350]  # 100 (约100) + 1050 + 200 (200余)
    m = load_village_matrix(engine, TOWN, 2024, as_of, CAT.indicator("disputes_mediated"))
    assert m[m.sum(axis=1) > 0].to_dict("index") == {
        "南庄村": {1: 0, 2: 1, 3: 0},
        "北庄村": {1: 0, 2: 2, 3: 0},
        "李庄村": {1: 0, 2: 1, 3: 0},
    }


def test_month_label() -> None:
    assert [month_label(m) for m in (1, 12)] == ["1月", "12月"]
