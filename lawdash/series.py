"""Monthly series behind the charts: cumulative actual against pace and target, by village, by month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lawdash import store
from lawdash.catalogue import Catalogue, Indicator, default_catalogue
from lawdash.progress import aggregate, expected_share, load_records, matches, month_end, year_bounds
from lawdash.targets import TargetValue, get_targets

MONTHS = list(range(1, 13))


def month_label(m: int) -> str:
    return f"{m}月"


@dataclass
class IndicatorSeries:
    """One indicator by month: `frame` has month, monthly, cumulative, pace, last_year (NaN where none)."""

    indicator: Indicator
    year: int
    as_of: dt.date
    target: float | None
    frame: pd.DataFrame

    @property
    def has_last_year(self) -> bool:
        return bool(self.frame["last_year"].notna().any())


def _by_month(ind: Indicator, df: pd.DataFrame, upto: int) -> tuple[list[float | None], list[float | None]]:
    """(monthly, cumulative) values for months 1..upto; distinct and rate are not additive, so each is recomputed."""
    rows = df[df["sheet"] == ind.sheet] if len(df) else df
    month = rows["date"].dt.month if len(rows) else pd.Series(dtype=int)
    monthly = [aggregate(ind, rows[month == m]) for m in range(1, upto + 1)]
    cumulative = [aggregate(ind, rows[month <= m]) for m in range(1, upto + 1)]
    return monthly, cumulative


def indicator_series(
    ind: Indicator,
    year: int,
    as_of: dt.date,
    records: pd.DataFrame,
    last_year_records: pd.DataFrame | None,
    target: TargetValue | None,
) -> IndicatorSeries:
    """Monthly and cumulative actuals up to the as-of month, the pace line for the whole year, last year's months."""
    upto = as_of.month if as_of.year == year else 12
    monthly, cumulative = _by_month(ind, records, upto)
    pad = [None] * (12 - upto)
    frame = pd.DataFrame({"month": MONTHS, "monthly": monthly + pad, "cumulative": cumulative + pad})
    if target is not None and ind.has_target:
        if ind.direction == "floor":
            frame["pace"] = target.value
        else:
            frame["pace"] = [round(target.value * expected_share(m, target.pace or ind.pace), 2) for m in MONTHS]
    else:
        frame["pace"] = None
    if last_year_records is not None and len(last_year_records):
        _, last = _by_month(ind, last_year_records, 12)
        frame["last_year"] = last
    else:
        frame["last_year"] = None
    frame = frame.astype({c: "float64" for c in ("monthly", "cumulative", "pace", "last_year")})
    return IndicatorSeries(ind, year, as_of, target.value if target and ind.has_target else None, frame)


def village_matrix(ind: Indicator, records: pd.DataFrame, villages: tuple[str, ...], upto: int) -> pd.DataFrame:
    """Rows of the indicator's sheet per village (index, in the township's order) and month (columns 1..upto)."""
    rows = records[records["sheet"] == ind.sheet] if len(records) else records
    if len(rows) and ind.filter:
        rows = rows[matches(rows, ind.filter)]
    matrix = pd.DataFrame(0, index=list(villages), columns=list(range(1, upto + 1)), dtype="int64")
    if not len(rows):
        return matrix
    exploded = rows.assign(month=rows["date"].dt.month).explode("village").dropna(subset=["village"])
    counts = exploded.groupby(["village", "month"]).size()
    for (village, month), n in counts.items():
        if village in matrix.index and month in matrix.columns:
            matrix.loc[village, month] = int(n)
    return matrix


def villages_not_reached(matrix: pd.DataFrame) -> list[str]:
    """Villages with no activity in any month so far, in the township's order."""
    return [v for v, total in matrix.sum(axis=1).items() if total == 0]


@dataclass
class MonthReport:
    """报送情况 of one month: which sheets arrived (by catalogue name), and whether it is due yet."""

    month: int
    sheets: list[str]
    due: bool

    @property
    def arrived(self) -> bool:
        return bool(self.sheets)


def submissions(
    engine: Engine, town: str, year: int, as_of: dt.date, cat: Catalogue | None = None
) -> list[MonthReport]:
    """For each month of the year: the sheets stored for it; a month is due once it has ended by the as-of date."""
    cat = cat or default_catalogue()
    with Session(engine) as s:
        rows = s.execute(
            select(store.Slice.month, store.Slice.sheet)
            .join(store.Town)
            .where(store.Slice.active, store.Town.name == town, store.Slice.year == year)
        ).all()
    by_month: dict[int, set[str]] = {}
    for month, sheet in rows:
        by_month.setdefault(month, set()).add(sheet)
    return [
        MonthReport(m, [s.name for s in cat.sheets if s.key in by_month.get(m, set())], month_end(year, m) <= as_of)
        for m in MONTHS
    ]


def load_indicator_series(engine: Engine, town: str, year: int, as_of: dt.date, ind: Indicator) -> IndicatorSeries:
    """The series of one indicator, read from the database (its sheet only, this year and last)."""
    records = load_records(engine, town, *year_bounds(year, as_of), sheets=[ind.sheet])
    last = load_records(engine, town, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31), sheets=[ind.sheet])
    return indicator_series(ind, year, as_of, records, last, get_targets(engine, town, year).get(ind.id))


def load_village_matrix(engine: Engine, town: str, year: int, as_of: dt.date, ind: Indicator) -> pd.DataFrame:
    """Village × month counts of one indicator's rows, read from the database."""
    records = load_records(engine, town, *year_bounds(year, as_of), sheets=[ind.sheet])
    upto = as_of.month if as_of.year == year else 12
    return village_matrix(ind, records, store.towns(engine)[town], upto)
