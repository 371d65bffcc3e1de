"""Monthly series behind the charts (cumulative actual against pace and target, by village, by month),
read as GROUP BYs over the indicator facts: only what a chart draws leaves the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lawdash import facts, store
from lawdash.catalogue import Catalogue, Indicator, default_catalogue
from lawdash.facts import Totals
from lawdash.progress import expected_share, month_end, town_id_or_none
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


MonthTotals = tuple[dict[int, Totals], dict[int, int]]  # per month: totals; keys first seen (see facts.month_totals)


def _by_month(ind: Indicator, months: MonthTotals, upto: int) -> tuple[list[float | None], list[float | None]]:
    """(monthly, cumulative) figures for months 1..upto; a distinct count to date counts each key once."""
    per_month, first_seen = months
    monthly: list[float | None] = []
    cumulative: list[float | None] = []
    value = weight = 0.0
    seen = 0
    for m in range(1, upto + 1):
        t = per_month.get(m, Totals())
        monthly.append(t.figure(ind))
        value, weight, seen = value + t.value, weight + t.weight, seen + first_seen.get(m, 0)
        cumulative.append(Totals(value, weight, seen).figure(ind))
    return monthly, cumulative


def indicator_series(
    ind: Indicator,
    year: int,
    as_of: dt.date,
    months: MonthTotals,
    last_year: MonthTotals | None,
    target: TargetValue | None,
) -> IndicatorSeries:
    """Monthly and cumulative actuals up to the as-of month, the pace line for the whole year, last year's months."""
    upto = as_of.month if as_of.year == year else 12
    monthly, cumulative = _by_month(ind, months, upto)
    pad = [None] * (12 - upto)
    frame = pd.DataFrame({"month": MONTHS, "monthly": monthly + pad, "cumulative": cumulative + pad})
    if target is not None and ind.has_target:
        if ind.direction == "floor":
            frame["pace"] = target.value
        else:
            frame["pace"] = [round(target.value * expected_share(m, target.pace or ind.pace), 2) for m in MONTHS]
    else:
        frame["pace"] = None
    frame["last_year"] = _by_month(ind, last_year, 12)[1] if last_year is not None else None
    frame = frame.astype({c: "float64" for c in ("monthly", "cumulative", "pace", "last_year")})
    return IndicatorSeries(ind, year, as_of, target.value if target and ind.has_target else None, frame)


def village_matrix(counts: list[tuple[str, int, int]], villages: tuple[str, ...], upto: int) -> pd.DataFrame:
    """Rows per village (index, in the township's order) and month (columns 1..upto), from (village, month, rows)."""
    matrix = pd.DataFrame(0, index=list(villages), columns=list(range(1, upto + 1)), dtype="int64")
    for village, month, n in counts:
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
    """The series of one indicator: this year to the as-of date and last year, as monthly GROUP BYs of its facts."""
    facts.ensure(engine, default_catalogue())
    tid = town_id_or_none(engine, town)
    if tid is None:
        return indicator_series(ind, year, as_of, ({}, {}), None, None)
    months = facts.month_totals(engine, tid, ind, year, as_of)
    last = facts.month_totals(engine, tid, ind, year - 1, None) if _reported(engine, tid, year - 1, ind.sheet) else None
    return indicator_series(ind, year, as_of, months, last, get_targets(engine, town, year).get(ind.id))


def _reported(engine: Engine, tid: int, year: int, sheet: str) -> bool:
    """Whether the year has any stored row of the sheet (then a year without the indicator's rows is 0).

    By the rows' dates, as figures are counted, not by the month their workbook names.
    """
    q = (
        select(store.Record.id)
        .join(store.Slice, store.Record.slice_id == store.Slice.id)
        .where(
            store.Slice.active,
            store.Record.town_id == tid,
            store.Record.sheet == sheet,
            store.Record.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
    )
    with Session(engine) as s:
        return s.scalar(q.limit(1)) is not None


def load_village_matrix(
    engine: Engine, town: str, year: int, as_of: dt.date, ind: Indicator, villages: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Village × month counts of one indicator's rows (default villages: the township's own)."""
    facts.ensure(engine, default_catalogue())
    upto = as_of.month if as_of.year == year else 12
    tid = town_id_or_none(engine, town)
    counts = facts.key_months(engine, tid, ind, year, as_of) if tid is not None else []
    return village_matrix(counts, villages if villages is not None else store.towns(engine).get(town, ()), upto)
