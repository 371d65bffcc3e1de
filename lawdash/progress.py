"""Each indicator against its target and pace, from SQL totals over the indicator facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lawdash import facts, store
from lawdash.catalogue import Catalogue, Indicator, default_catalogue
from lawdash.targets import TargetValue, get_targets

STATUS_LABELS = {
    "done": "已完成",
    "on_track": "正常",
    "behind": "滞后",
    "far_behind": "严重滞后",
    "no_target": "仅统计",
}
# Lagging first, as leadership reads the overview.
STATUS_ORDER = ["far_behind", "behind", "on_track", "done", "no_target"]


@dataclass
class IndicatorProgress:
    id: str
    name: str
    unit: str
    actual: float | None
    target: float | None
    expected: float | None
    percent: float | None
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "actual": _num(self.actual),
            "target": _num(self.target),
            "expected": _num(self.expected),
            "percent": self.percent,
            "status": self.status,
        }


def _num(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else round(x, 2)


def load_records(
    engine: Engine, town: str, start: dt.date, end: dt.date, sheets: list[str] | None = None
) -> pd.DataFrame:
    """Active records of a township dated in [start, end], one row each, fields as columns.

    `village` is the village a row counts for (None for a place that is no village, a list when
    the cell names several).
    """
    q = (
        select(
            store.Record.id,
            store.Record.sheet,
            store.Record.date,
            store.Record.file,
            store.Record.row,
            store.Slice.batch_id,
            store.Slice.year.label("period_year"),
            store.Slice.month.label("period_month"),
            store.Record.data,
        )
        .join(store.Slice, store.Record.slice_id == store.Slice.id)
        .join(store.Town, store.Record.town_id == store.Town.id)
        .where(store.Slice.active, store.Town.name == town, store.Record.date.between(start, end))
        .order_by(store.Record.date, store.Record.id)
    )
    if sheets:
        q = q.where(store.Record.sheet.in_(sheets))
    with Session(engine) as s:
        rows = s.execute(q).all()
    base_cols = ["id", "sheet", "date", "file", "row", "batch_id", "period_year", "period_month"]
    base = pd.DataFrame([r[:-1] for r in rows], columns=base_cols)
    fields = pd.DataFrame.from_records([r[-1] for r in rows]) if rows else pd.DataFrame()
    fields = fields.drop(columns=[c for c in ("date",) if c in fields.columns])
    if "village" not in fields.columns:
        fields["village"] = None  # a cell may name several villages: then it holds their list
    df = pd.concat([base, fields], axis=1)
    df["date"] = pd.to_datetime(df["date"])
    return df


def expected_share(month: int, pace: tuple[float, ...] | None) -> float:
    """Share of the annual target expected by the end of `month`: the plan, else m/12."""
    return pace[month - 1] if pace else month / 12


def judge(
    ind: Indicator, actual: float | None, target: TargetValue | None, as_of: dt.date, far_ratio: float
) -> IndicatorProgress:
    """Status as leadership reads it: 已完成 / 正常 / 滞后 / 严重滞后 / 仅统计."""
    if not ind.has_target or target is None:
        return IndicatorProgress(ind.id, ind.name, ind.unit, actual, None, None, None, "no_target")
    t = target.value
    if ind.direction == "floor":
        expected = t
    else:
        expected = round(t * expected_share(as_of.month, target.pace or ind.pace), 2)
    percent = round(100.0 * actual / t, 1) if actual is not None and t else None
    if actual is None:
        status = "on_track"  # a rate with nothing concluded yet is below no floor
    elif ind.direction == "up" and actual >= t:
        status = "done"
    elif actual >= expected:
        status = "on_track"
    elif actual < far_ratio * expected:
        status = "far_behind"
    else:
        status = "behind"
    return IndicatorProgress(ind.id, ind.name, ind.unit, actual, t, expected, percent, status)


def year_bounds(year: int, as_of: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31))


def progress_for_year(
    engine: Engine, town: str, year: int, as_of: dt.date | None = None, cat: Catalogue | None = None
) -> list[IndicatorProgress]:
    """Every indicator of the catalogue, in catalogue order, as of a date (default: see default_as_of).

    One GROUP BY over the township's facts of the year (`lawdash.facts`), whatever the database holds.
    """
    cat = cat or default_catalogue()
    as_of = as_of or default_as_of(engine, town, year)
    facts.ensure(engine, cat)
    tid = town_id_or_none(engine, town)
    totals = facts.year_totals(engine, tid, year, as_of) if tid is not None else {}
    targets = get_targets(engine, town, year)
    return [judge_totals(ind, totals, targets, as_of, cat.far_behind_ratio) for ind in cat.indicators]


def judge_totals(
    ind: Indicator, totals: dict[str, facts.Totals], targets: dict[str, TargetValue], as_of: dt.date, far: float
) -> IndicatorProgress:
    return judge(ind, totals.get(ind.id, facts.Totals()).figure(ind), targets.get(ind.id), as_of, far)


def town_id_or_none(engine: Engine, town: str) -> int | None:
    with Session(engine) as s:
        return s.scalar(select(store.Town.id).where(store.Town.name == town))


def last_reported_month(engine: Engine, town: str | None, year: int) -> int | None:
    """The latest month of `year` whose workbook has been imported (by the township, or by any: None)."""
    q = select(func.max(store.Slice.month)).join(store.Town).where(store.Slice.active, store.Slice.year == year)
    with Session(engine) as s:
        return s.scalar(q if town is None else q.where(store.Town.name == town))


def default_as_of(engine: Engine, town: str | None, year: int, today: dt.date | None = None) -> dt.date:
    """Today for the current year; for another year the end of its last reported month (else Dec 31).

    With `town` None, the county's: the end of the latest month any township reported, so that
    townships are compared at one date.
    """
    today = today or dt.date.today()
    if year == today.year:
        return today
    return month_end(year, last_reported_month(engine, town, year) or 12)


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def years_with_data(engine: Engine, town: str | None) -> list[int]:
    """Years with stored records or targets (of the township, or of any: None), newest first."""
    slices = select(store.Slice.year).join(store.Town).where(store.Slice.active).distinct()
    targets = select(store.Target.year).join(store.Town).distinct()
    if town is not None:
        slices, targets = slices.where(store.Town.name == town), targets.where(store.Town.name == town)
    with Session(engine) as s:
        return sorted(set(s.scalars(slices)) | set(s.scalars(targets)), reverse=True)


def lagging_first(rows: list[IndicatorProgress]) -> list[IndicatorProgress]:
    """严重滞后, 滞后, 正常, 已完成, 仅统计; within a status the lowest completion first."""
    return sorted(rows, key=lambda p: (STATUS_ORDER.index(p.status), p.percent if p.percent is not None else 0))
