"""全县概览: townships side by side, as the county office reads them; the demo county; the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from lawdash import county, store
from lawdash.catalogue import default_catalogue
from lawdash.demo import COUNTY_SIZE, DEMO_TOWN, load_demo
from lawdash.importer import import_workbooks
from lawdash.progress import default_as_of, progress_for_year
from lawdash.targets import set_targets
from tests.conftest import SAMPLES, TOWN, build_workbook

ROOT = Path(__file__).resolve().parent.parent
OTHER = "东岗镇"
FEB_END = dt.date(2024, 2, 29)


@pytest.fixture
def two_towns(engine: Engine) -> Engine:
    """The demo township with the sample February, and a second one with the same villages."""
    with store.writing(engine) as s:
        town = store.Town(name=OTHER)
        s.add(town)
        s.flush()
        villages = default_catalogue().towns[0].villages
        s.add_all(store.Village(town_id=town.id, name=v, position=i) for i, v in enumerate(villages))
    files = [(p.name, p.read_bytes()) for p in SAMPLES]
    assert import_workbooks(engine, files).status == "stored"
    jan = [(p.name.replace("2月", "1月"), p.read_bytes()) for p in SAMPLES]
    assert import_workbooks(engine, jan, town=OTHER, year=2024, month=1).status == "stored"
    set_targets(engine, TOWN, 2024, {"topic_meetings": 4, "central_group_study": 12, "materials_distributed": 6000})
    set_targets(engine, OTHER, 2024, {"topic_meetings": 4, "central_group_study": 24, "materials_distributed": 600})
    return engine


def test_each_township_reads_as_its_own_overview(two_towns: Engine) -> None:
    c = county.county(two_towns, 2024, FEB_END)
    assert [t.town for t in c.towns] == [TOWN, OTHER]
    for t in c.towns:
        own = progress_for_year(two_towns, t.town, 2024, FEB_END)
        assert [(p.id, p.actual, p.target, p.status) for p in t.progress] == [
            (p.id, p.actual, p.target, p.status) for p in own
        ]
    mine = {p.id: p for p in c.towns[0].progress}
    assert mine["materials_distributed"].actual == 1350 and mine["disputes_mediated"].actual == 4


def test_the_same_rows_count_against_each_townships_own_targets(two_towns: Engine) -> None:
    c = county.county(two_towns, 2024, FEB_END)
    ours, theirs = ({p.id: p for p in t.progress} for t in c.towns)
    assert ours["materials_distributed"].actual == theirs["materials_distributed"].actual == 1350
    assert ours["materials_distributed"].status == "on_track"  # 1000 of 6000 due by February
    assert theirs["materials_distributed"].status == "done"  # 1350 ≥ 600


def test_percent_of_pace_and_ranking(two_towns: Engine) -> None:
    c = county.county(two_towns, 2024, FEB_END)
    pace = c.pace_percent()
    # 6000 a year, 2/12 due by February: 1000; 1350 is 135 % of that
    assert pace.loc[TOWN, "materials_distributed"] == 135.0
    # the quarterly plan asks no 专题会议 before March: nothing due, no percentage
    assert pace.loc[TOWN, "topic_meetings"] != pace.loc[TOWN, "topic_meetings"]  # NaN
    assert "disputes_mediated" not in pace.columns  # tracked only, no target
    # 东岗镇 asks 24 中心组学法: 4 due by February, 2 held is 严重滞后; its other two are fine
    assert pace.loc[OTHER, "central_group_study"] == 50.0
    assert [(t.town, t.on_track, len(t.with_target), t.share_on_track) for t in c.ranking()] == [
        (TOWN, 3, 3, 100.0),
        (OTHER, 2, 3, 66.7),
    ]


@pytest.mark.parametrize(
    ("as_of", "late"),
    [
        (dt.date(2024, 1, 30), {}),  # January not over: nothing due
        (dt.date(2024, 1, 31), {TOWN: [1]}),  # the demo township sent February only
        (FEB_END, {TOWN: [1], OTHER: [2]}),
    ],
)
def test_late_months_are_due_months_with_no_workbook(two_towns: Engine, as_of: dt.date, late: dict) -> None:
    assert county.county(two_towns, 2024, as_of).late() == late


def test_an_undone_import_makes_the_month_late_again(two_towns: Engine) -> None:
    batch = store.last_batch(two_towns, OTHER)
    assert batch is not None
    store.undo_batch(two_towns, batch.id)
    assert county.county(two_towns, 2024, FEB_END).late()[OTHER] == [1, 2]


def test_county_as_of_is_the_end_of_the_latest_month_any_township_reported(two_towns: Engine) -> None:
    assert default_as_of(two_towns, None, 2024, today=dt.date(2025, 3, 1)) == FEB_END
    assert default_as_of(two_towns, None, 2025, today=dt.date(2025, 3, 1)) == dt.date(2025, 3, 1)
    assert default_as_of(two_towns, OTHER, 2024, today=dt.date(2025, 3, 1)) == dt.date(2024, 1, 31)


# ------------------------------------------------------------------ the demo county and the page


def test_the_demo_county_has_15_townships_and_loading_it_again_adds_nothing(demo_copy: str) -> None:
    engine = store.get_engine(demo_copy)
    c = county.county(engine, 2024)
    assert len(c.towns) == COUNTY_SIZE == 15
    assert c.as_of == dt.date(2024, 6, 30)
    statuses = {p.status for t in c.towns for p in t.progress}
    assert {"done", "on_track", "behind", "far_behind"} <= statuses  # a county worth comparing
    assert c.late()  # and some workbooks are late
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(store.Record))
    load_demo(engine)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(store.Record)) == before
    # the demo township itself still reproduces its report
    ours = {p.id: p.actual for p in progress_for_year(engine, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    assert ours["topic_meetings"] == 4 and ours["materials_distributed"] == 5380


@pytest.fixture
def app_db(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LAWDASH_DB", demo_copy)
    return demo_copy


def test_the_county_page_shows_every_township_and_opens_one(app_db: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/county.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "2024年全县法治政府建设概览"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["乡镇"] == "15 个"
    c = county.county(store.get_engine(app_db), 2024)
    assert metrics["缺报月次"] == f"{sum(len(v) for v in c.late().values())} 个"
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    pick = at.selectbox(key="county_pick")
    assert pick.options[0] == c.ranking()[0].town  # the best first
    pick.set_value("城关乡").run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "城关乡2024年法治政府建设总览"


def test_a_workbook_naming_no_township_goes_to_the_installations_own(demo_copy: str) -> None:
    """The demo county's other townships do not make the township's own files ambiguous."""
    book = build_workbook({"会议学法": [["日期", "类型", "主题"], ["2024年7月3日", "专题会议", "学习宪法"]]})
    engine = store.get_engine(demo_copy)
    result = import_workbooks(engine, [("7月.xlsx", book)], year=2024, month=7)
    assert result.status == "stored", result.summary()
    assert store.last_batch(engine).town == DEMO_TOWN  # type: ignore[union-attr]
