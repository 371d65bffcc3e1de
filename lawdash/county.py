"""全县概览: every township of the database side by side, from a few GROUP BYs whatever its size.

- each township's indicators against its own targets (`facts.county_totals`, one query);
- percent of pace per township and indicator, for the heat map;
- a ranking by the share of indicators on track (正常 or 已完成) among those with a target;
- 报送情况: which sheets each township reported for each month, and which due months are late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lawdash import facts, store
from lawdash.catalogue import Catalogue, default_catalogue
from lawdash.progress import IndicatorProgress, default_as_of, judge_totals, month_end
from lawdash.targets import TargetValue

ON_TRACK = ("on_track", "done")
COUNTY_LABEL = "全县"  # what the county's charts and files are named for


@dataclass(frozen=True)
class TownSummary:
    town: str
    progress: list[IndicatorProgress]
    sheets_by_month: dict[int, int]  # month -> sheets reported

    @property
    def with_target(self) -> list[IndicatorProgress]:
        return [p for p in self.progress if p.status != "no_target"]

    @property
    def on_track(self) -> int:
        return sum(p.status in ON_TRACK for p in self.with_target)

    @property
    def share_on_track(self) -> float | None:
        """Percent of the indicators with a target that are 正常 or 已完成."""
        n = len(self.with_target)
        return round(100.0 * self.on_track / n, 1) if n else None


@dataclass(frozen=True)
class County:
    year: int
    as_of: dt.date
    sheets: int  # how many sheets a month can have
    towns: list[TownSummary]

    def ranking(self) -> list[TownSummary]:
        """Most indicators on track first; ties by name, so the order is stable."""
        return sorted(self.towns, key=lambda t: (-(t.share_on_track or 0.0), t.town))

    def pace_percent(self) -> pd.DataFrame:
        """Township × indicator id: actual as a percent of what is due by the as-of date.

        A rate is measured against its floor; an indicator without a target, or with nothing due
        yet, is NaN.
        """
        out: dict[str, dict[str, float]] = {}
        for t in self.towns:
            out[t.town] = {p.id: _pace(p) for p in t.progress if p.status != "no_target"}
        return pd.DataFrame.from_dict(out, orient="index").astype("float64")

    def statuses(self) -> pd.DataFrame:
        """Township × indicator id: the status key (done / on_track / behind / far_behind)."""
        return pd.DataFrame.from_dict(
            {t.town: {p.id: p.status for p in t.progress if p.status != "no_target"} for t in self.towns},
            orient="index",
        )

    def due_months(self) -> list[int]:
        """Months whose workbooks are due by the as-of date (the month has ended)."""
        return [m for m in range(1, 13) if month_end(self.year, m) <= self.as_of]

    def late(self) -> dict[str, list[int]]:
        """Township -> due months with no workbook at all (缺报).

        A month with fewer sheets is not late: a template's empty sheet stores nothing, so a month
        without trainings looks the same as one whose training sheet was left out.
        """
        due = self.due_months()
        return {t.town: missing for t in self.towns if (missing := [m for m in due if not t.sheets_by_month.get(m)])}


def _pace(p: IndicatorProgress) -> float:
    if p.actual is None or not p.expected:
        return float("nan")
    return round(100.0 * p.actual / p.expected, 1)


def county(engine: Engine, year: int, as_of: dt.date | None = None, cat: Catalogue | None = None) -> County:
    """Every township's figures for a year as of one date: the same date for all, so they compare."""
    cat = cat or default_catalogue()
    as_of = as_of or default_as_of(engine, None, year)
    facts.ensure(engine, cat)
    totals = facts.county_totals(engine, year, as_of)
    with Session(engine) as s:
        towns = s.execute(select(store.Town.id, store.Town.name).order_by(store.Town.id)).all()
        targets: dict[int, dict[str, TargetValue]] = {}
        for t in s.scalars(select(store.Target).where(store.Target.year == year)):
            targets.setdefault(t.town_id, {})[t.indicator] = TargetValue(t.value, tuple(t.pace) if t.pace else None)
        reported: dict[int, dict[int, int]] = {}
        q = (
            select(store.Slice.town_id, store.Slice.month, func.count(func.distinct(store.Slice.sheet)))
            .where(store.Slice.active, store.Slice.year == year)
            .group_by(store.Slice.town_id, store.Slice.month)
        )
        for tid, month, n in s.execute(q):
            reported.setdefault(tid, {})[month] = n
    far = cat.far_behind_ratio
    summaries = [
        TownSummary(
            name,
            [judge_totals(ind, totals.get(tid, {}), targets.get(tid, {}), as_of, far) for ind in cat.indicators],
            reported.get(tid, {}),
        )
        for tid, name in towns
    ]
    return County(year, as_of, len(cat.sheets), summaries)
