"""Indicator facts against the pandas oracle: whatever is stored, replaced or undone, the SQL figures are the old ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from lawdash import facts, store
from lawdash.catalogue import CATALOGUE_PATH, Catalogue, default_catalogue, load_catalogue
from lawdash.progress import load_records, month_end, progress_for_year, town_id_or_none, year_bounds
from lawdash.series import load_indicator_series, load_village_matrix
from tests.conftest import TOWN, Databases
from tests.reference import Row, aggregate, by_month, last_year, store_rows, village_counts

CAT = default_catalogue()
VILLAGES = CAT.towns[0].villages
YEARS = (2023, 2024)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# indicators the catalogue may gain: a count, a sum and a rate by village, a distinct count with a filter
EXTRA = """
[[indicators]]
id = "publicity_events"
name = "普法宣传活动"
unit = "次"
sheet = "publicity"
aggregation = "count"
direction = "up"
by_village = true

[[indicators]]
id = "village_materials"
name = "进村宣传资料"
unit = "份"
sheet = "publicity"
aggregation = "sum"
value = "materials"
direction = "up"
by_village = true

[[indicators]]
id = "topic_meeting_villages"
name = "专题会议所涉村数"
unit = "个"
sheet = "meetings"
aggregation = "distinct"
value = "village"
filter = { type = ["专题会议"] }
direction = "up"
by_village = true

[[indicators]]
id = "village_success_rate"
name = "各村调解成功率"
unit = "%"
sheet = "disputes"
aggregation = "rate"
numerator = { result = ["调解成功"] }
denominator = { result = ["调解成功", "调解未成"] }
direction = "floor"
by_village = true
"""


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The catalogue with the indicators above (every kind of indicator over rows naming several villages)."""
    path = tmp_path_factory.mktemp("catalogue") / "catalogue.toml"
    path.write_text(CATALOGUE_PATH.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    return load_catalogue(path)


# ------------------------------------------------------------------ random records of all five sheets

days = st.one_of(
    st.dates(dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
    st.builds(month_end, st.sampled_from(YEARS), st.integers(1, 12)),
    st.builds(dt.date, st.sampled_from(YEARS), st.integers(1, 12), st.just(1)),
)
counts = st.one_of(st.none(), st.integers(0, 500))
# figures as stored: whole numbers, quarters (exact in binary, so any order of summing gives the same),
# none, and text a clerk types (the importer reads most of it; older or hand-made data may hold it as is)
materials = st.one_of(
    st.integers(0, 10_000),
    st.integers(0, 40_000).map(lambda n: n / 4),
    st.none(),
    st.sampled_from(["5000余", "约200", "1,200", "１２０", "30人", "12", " 7 ", "", "无", "—"]),
)
places = st.one_of(
    st.none(), st.sampled_from(VILLAGES), st.lists(st.sampled_from(VILLAGES), min_size=2, max_size=4, unique=True)
)
rows: st.SearchStrategy[Row] = st.one_of(
    st.tuples(
        st.just("meetings"),
        days,
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["专题会议", "中心组学法", "会前学法", "其他"]),
                "topic": st.just("学法"),
                "attendees": counts,
                "village": places,
            }
        ),
    ),
    st.tuples(
        st.just("trainings"),
        days,
        st.fixed_dictionaries({"type": st.sampled_from(["执法能力培训", "法治讲座", "其他"]), "trainees": counts}),
    ),
    st.tuples(st.just("publicity"), days, st.fixed_dictionaries({"materials": materials, "village": places})),
    st.tuples(
        st.just("disputes"),
        days,
        st.fixed_dictionaries(
            {"result": st.sampled_from(["调解成功", "调解未成", "调解中"]), "village": st.sampled_from(VILLAGES)}
        ),
    ),
    st.tuples(
        st.just("other"),
        days,
        st.fixed_dictionaries(
            {
                "indicator": st.sampled_from(["demo_villages_applied", "certified_enforcers", "legal_reviews"]),
                "quantity": counts,
            }
        ),
    ),
)
# an import: rows in the slices of their own months, or a workbook naming its month with dates of other months
# in it (stored under that month, counted by date); a later import of the same month and sheet replaces it
imports = st.lists(
    st.tuples(
        st.lists(rows, max_size=14),
        st.one_of(st.none(), st.none(), st.tuples(st.sampled_from(YEARS), st.integers(1, 12))),
    ),
    min_size=1,
    max_size=3,
)


@contextmanager
def fresh_database(databases: Databases) -> Iterator[Engine]:
    """A new database on this run's back end with the township seeded, for one generated example."""
    with databases.fresh() as url:
        engine = store.get_engine(url)
        store.seed_reference(engine)
        yield engine


def store_imports(
    engine: Engine, batches: list[tuple[list[Row], tuple[int, int] | None]], undo_last: bool, cat: Catalogue = CAT
) -> None:
    ids = [store_rows(engine, batch, period=period, cat=cat) for batch, period in batches if batch]
    if undo_last and ids:
        store.undo_batch(engine, ids[-1])  # the newest batch can always be undone: nothing replaced it


def as_of_dates(year: int, drawn: list[dt.date]) -> list[dt.date]:
    """Dates inside the year (a drawn day and its month end), the year end, and a day of the next year."""
    inside = {d for d in drawn if d.year == year} | {month_end(d.year, d.month) for d in drawn if d.year == year}
    return sorted(inside | {dt.date(year, 12, 31), dt.date(year + 1, 1, 15)})


def plain(values: Iterable[float | None]) -> list[float | None]:
    """A series column (NaN where none) or an oracle's list (None where none) as comparable values."""
    return [None if v is None or pd.isna(v) else float(v) for v in values]


# ------------------------------------------------------------------ the checks


def figures(engine: Engine, year: int, as_of: dt.date, town: str = TOWN, cat: Catalogue = CAT) -> dict[str, object]:
    return {p.id: p.actual for p in progress_for_year(engine, town, year, as_of, cat=cat)}


def oracle(engine: Engine, year: int, as_of: dt.date, town: str = TOWN, cat: Catalogue = CAT) -> dict[str, object]:
    df = load_records(engine, town, *year_bounds(year, as_of))
    return {ind.id: aggregate(ind, df) for ind in cat.indicators}


def check_progress(engine: Engine, year: int, as_of: dt.date, cat: Catalogue) -> None:
    assert figures(engine, year, as_of, cat=cat) == oracle(engine, year, as_of, cat=cat), (year, as_of)


def check_series(engine: Engine, year: int, as_of: dt.date) -> None:
    upto = as_of.month if as_of.year == year else 12
    pad: list[float | None] = [None] * (12 - upto)
    this_year = load_records(engine, TOWN, *year_bounds(year, as_of))
    before = load_records(engine, TOWN, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
    for ind in CAT.indicators:
        s = load_indicator_series(engine, TOWN, year, as_of, ind)
        monthly, cumulative = by_month(ind, this_year, upto)
        last = last_year(ind, before)
        where = (ind.id, year, as_of)
        assert plain(s.frame["monthly"]) == plain(monthly + pad), where
        assert plain(s.frame["cumulative"]) == plain(cumulative + pad), where
        assert plain(s.frame["last_year"]) == plain(last or [None] * 12), where


def check_village_matrix(engine: Engine, year: int, as_of: dt.date) -> None:
    upto = as_of.month if as_of.year == year else 12
    df = load_records(engine, TOWN, *year_bounds(year, as_of))
    for ind in (i for i in CAT.indicators if i.by_village):
        rows = village_counts(ind, df)
        expected = {v: {m: rows.get((v, m), 0) for m in range(1, upto + 1)} for v in VILLAGES}
        assert load_village_matrix(engine, TOWN, year, as_of, ind).to_dict("index") == expected, (ind.id, as_of)


# ------------------------------------------------------------------ properties


# the smallest failures found so far, tried first (see the example tests at the end)
FULL_WIDTH = [([("publicity", dt.date(2024, 3, 5), {"materials": "１２０", "village": None})], None)]
STRAY_INTO_LAST_YEAR = [([("publicity", dt.date(2023, 1, 5), {"materials": 10, "village": None})], (2022, 12))]
STRAY_OUT_OF_LAST_YEAR = [([("publicity", dt.date(2024, 1, 5), {"materials": 10, "village": None})], (2023, 12))]


@PROPERTY
@given(batches=imports, undo_last=st.booleans(), drawn=st.lists(days, min_size=1, max_size=2))
@example(batches=FULL_WIDTH, undo_last=False, drawn=[dt.date(2024, 3, 31)])
def test_progress_equals_the_pandas_figures(
    databases: Databases,
    extended: Catalogue,
    batches: list[tuple[list[Row], tuple[int, int] | None]],
    undo_last: bool,
    drawn: list[dt.date],
) -> None:
    with fresh_database(databases) as engine:
        store_imports(engine, batches, undo_last, extended)
        for year in YEARS:
            for as_of in as_of_dates(year, drawn):
                check_progress(engine, year, as_of, extended)


@PROPERTY
@given(batches=imports, undo_last=st.booleans(), as_of=days)
@example(batches=STRAY_INTO_LAST_YEAR, undo_last=False, as_of=dt.date(2024, 6, 30))
@example(batches=STRAY_OUT_OF_LAST_YEAR, undo_last=False, as_of=dt.date(2024, 6, 30))
def test_monthly_series_and_village_matrix_equal_the_pandas_ones(
    databases: Databases, batches: list[tuple[list[Row], tuple[int, int] | None]], undo_last: bool, as_of: dt.date
) -> None:
    with fresh_database(databases) as engine:
        store_imports(engine, batches, undo_last)
        check_series(engine, as_of.year, as_of)
        check_village_matrix(engine, as_of.year, as_of)
        check_series(engine, 2023, dt.date(2024, 1, 15))  # a past year: all twelve months


def _facts(engine: Engine) -> list[tuple]:
    cols = [c for c in store.Fact.__table__.columns if c.name != "id"]
    with Session(engine) as s:
        rows = [tuple(r) for r in s.execute(select(*cols))]
    return sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=imports, undo_last=st.booleans())
def test_facts_rebuilt_from_the_records_are_the_facts_written(
    databases: Databases,
    extended: Catalogue,
    batches: list[tuple[list[Row], tuple[int, int] | None]],
    undo_last: bool,
) -> None:
    with fresh_database(databases) as engine:
        store_imports(engine, batches, undo_last, extended)
        written = _facts(engine)
        with store.writing(engine) as s:  # as if every indicator's definition had changed
            s.execute(delete(store.FactSet))
        facts.forget(engine)
        facts.ensure(engine, extended)
        assert _facts(engine) == written


# ------------------------------------------------------------------ examples

MARCH = dt.date(2024, 3, 31)


def test_replacing_and_undoing_keep_the_facts_in_step(engine: Engine) -> None:
    first = store_rows(
        engine,
        [
            ("publicity", "2024-03-05", {"materials": 1000, "village": "东村"}),
            ("publicity", "2024-03-20", {"materials": 500, "village": ["西村", "李庄村"]}),
            ("disputes", "2024-03-09", {"result": "调解成功", "village": "东村"}),
            ("disputes", "2024-03-19", {"result": "调解未成", "village": "西村"}),
        ],
    )

    def check(materials: float, villages: float, disputes: float, rate: float | None) -> None:
        got = figures(engine, 2024, MARCH)
        assert got == oracle(engine, 2024, MARCH)
        shown = ("materials_distributed", "villages_reached", "disputes_mediated", "mediation_success_rate")
        assert tuple(got[k] for k in shown) == (materials, villages, disputes, rate)

    check(1500, 3, 2, 50.0)
    # a corrected March publicity workbook: its slice replaces the first one; the disputes stay
    second = store_rows(engine, [("publicity", "2024-03-25", {"materials": 300, "village": "王庄村"})])
    check(300, 1, 2, 50.0)
    store.undo_batch(engine, second)  # the replaced slice is back
    check(1500, 3, 2, 50.0)
    store.undo_batch(engine, first)
    check(0, 0, 0, None)


def test_a_record_naming_several_villages_counts_once_and_reaches_each(engine: Engine, extended: Catalogue) -> None:
    cat = extended
    store_rows(
        engine,
        [
            ("publicity", "2024-03-05", {"materials": 1300, "village": ["东村", "西村", "李庄村"]}),
            ("publicity", "2024-03-20", {"materials": 200, "village": "东村"}),
            ("publicity", "2024-04-02", {"materials": 100, "village": None}),
        ],
        cat=cat,
    )
    got = figures(engine, 2024, MARCH, cat=cat)
    assert got == oracle(engine, 2024, MARCH, cat=cat)
    assert (got["publicity_events"], got["village_materials"], got["materials_distributed"]) == (2, 1500, 1500)
    assert got["villages_reached"] == 3
    tid = town_id_or_none(engine, TOWN)
    assert tid is not None
    # and in the village matrix the row counts for each village it names
    assert sorted(facts.key_months(engine, tid, cat.indicator("publicity_events"), 2024, None)) == [
        ("东村", 3, 2),
        ("李庄村", 3, 1),
        ("西村", 3, 1),
    ]
    m = load_village_matrix(engine, TOWN, 2024, MARCH, CAT.indicator("villages_reached"))  # the usual catalogue
    assert m[m.sum(axis=1) > 0].to_dict("index") == {
        "东村": {1: 0, 2: 0, 3: 2},
        "西村": {1: 0, 2: 0, 3: 1},
        "李庄村": {1: 0, 2: 0, 3: 1},
    }


OTHER_TOWN = "别的镇"


def test_county_totals_are_each_townships_year_totals(engine: Engine) -> None:
    with store.writing(engine) as s:
        town = store.Town(name=OTHER_TOWN)
        s.add(town)
        s.flush()
        s.add_all([store.Village(town_id=town.id, name=v, position=i) for i, v in enumerate(("甲村", "乙村"))])
    store_rows(
        engine,
        [
            ("publicity", "2024-02-05", {"materials": 700, "village": "东村"}),
            ("meetings", "2024-03-01", {"type": "专题会议", "village": None}),
            ("disputes", "2024-05-01", {"result": "调解成功", "village": "西村"}),
        ],
    )
    store_rows(
        engine,
        [
            ("publicity", "2024-02-10", {"materials": 50, "village": ["甲村", "乙村"]}),
            ("publicity", "2024-06-10", {"materials": 25, "village": "甲村"}),
            ("disputes", "2024-03-01", {"result": "调解未成", "village": "乙村"}),
            ("trainings", "2023-12-01", {"trainees": 30}),  # another year
        ],
        town=OTHER_TOWN,
    )
    facts.ensure(engine, CAT)
    with Session(engine) as s:
        here, there = store.town_id(s, TOWN), store.town_id(s, OTHER_TOWN)
    for upto in (dt.date(2024, 2, 29), dt.date(2024, 5, 31), None):
        county = facts.county_totals(engine, 2024, upto)
        assert county == {tid: facts.year_totals(engine, tid, 2024, upto) for tid in (here, there)}, upto
        as_of = upto or dt.date(2024, 12, 31)
        for name in (TOWN, OTHER_TOWN):
            assert figures(engine, 2024, as_of, name) == oracle(engine, 2024, as_of, name), (name, upto)
    assert county[there]["materials_distributed"].figure(CAT.indicator("materials_distributed")) == 75
    assert county[there]["villages_reached"].figure(CAT.indicator("villages_reached")) == 2
    assert county[here]["materials_distributed"].figure(CAT.indicator("materials_distributed")) == 700
    assert facts.county_totals(engine, 2023, None) == {there: facts.year_totals(engine, there, 2023, None)}


@pytest.mark.parametrize(("text", "figure"), [("12", 12), (" 7 ", 7), ("5000余", 0), ("１２０", 0), ("1_000", 0)])
def test_a_figure_stored_as_text_counts_as_pandas_reads_it(engine: Engine, text: str, figure: float) -> None:
    """The importer stores counts as numbers; text in a summed field (older data, a changed catalogue) counts
    only when pandas reads it as a number, as before the facts."""
    store_rows(engine, [("publicity", "2024-03-05", {"materials": text, "village": None})])
    got = figures(engine, 2024, MARCH)["materials_distributed"]
    assert got == oracle(engine, 2024, MARCH)["materials_distributed"]
    assert got == figure


@pytest.mark.parametrize(
    ("period", "day", "year", "line"),
    [
        ((2022, 12), "2023-01-05", 2024, [10.0] * 12),  # a December 2022 workbook with a row dated 2023: 2023 has one
        ((2023, 12), "2024-01-05", 2024, None),  # a December 2023 workbook whose rows are all dated 2024
        ((2022, 12), "2023-01-05", 2023, None),  # 2022 has a workbook but no row dated in it
    ],
)
def test_last_years_line_follows_the_dates_of_the_records(
    engine: Engine, period: tuple[int, int], day: str, year: int, line: list[float] | None
) -> None:
    """Rows are counted by their dates, whatever month the workbook names; so is last year's line."""
    store_rows(engine, [("publicity", day, {"materials": 10, "village": None})], period=period)
    ind = CAT.indicator("materials_distributed")
    s = load_indicator_series(engine, TOWN, year, dt.date(year, 6, 30), ind)
    before = last_year(ind, load_records(engine, TOWN, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)))
    assert before == line
    assert plain(s.frame["last_year"]) == plain(line or [None] * 12)
