"""Test helpers for the indicator figures: rows stored as an import stores them, and independent oracles.

The oracle is the pandas implementation that the facts (`lawdash.facts`) replaced, kept as it was
(`matches`, `aggregate`, the per-month `by_month`, the village counts of `village_counts`): it reads a
frame shaped like `lawdash.progress.load_records`, so a figure read from the facts can be checked
against the same records read and counted another way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pandas as pd
from sqlalchemy import Engine

from lawdash import facts, store
from lawdash.catalogue import Catalogue, Indicator, default_catalogue
from lawdash.facts import Totals
from lawdash.series import MonthTotals
from tests.conftest import TOWN

Row = tuple[str, str | dt.date, dict[str, object]]  # sheet key, date, the row's fields (as the data holds them)


def _day(day: str | dt.date) -> dt.date:
    return dt.date.fromisoformat(day) if isinstance(day, str) else day


def _json(value: object) -> object:
    """A field as JSON holds it: a NaN figure is no figure."""
    return None if isinstance(value, float) and math.isnan(value) else value


def store_rows(
    engine: Engine,
    rows: list[Row],
    town: str = TOWN,
    period: tuple[int, int] | None = None,
    cat: Catalogue | None = None,
) -> int:
    """Store rows as one import batch: a slice per (year, month, sheet), each replacing the active one.

    A row goes to the slice of its own month, or of `period` (the month a workbook names, which a
    stray date does not change). Returns the batch id.
    """
    cat = cat or default_catalogue()
    slices: dict[tuple[int, int, str], list[dict[str, object]]] = {}
    for n, (sheet, day, fields) in enumerate(rows):
        date = _day(day)
        data = {"date": date.isoformat(), **{k: _json(v) for k, v in fields.items()}}
        village = data.get("village")
        slices.setdefault((*(period or (date.year, date.month)), sheet), []).append(
            {
                "data": data,
                "_date": date,
                "_village": "、".join(village) if isinstance(village, list) else village,
                "_file": "测试台账.xlsx",
                "_row": n + 2,
            }
        )
    counts = Counter(cat.sheet(sheet).name for sheet, _, _ in rows)
    with store.writing(engine) as s:
        facts.sync(s, cat)  # as the importer does: the facts written below follow `cat`
        tid = store.town_id(s, town)
        batch = store.new_batch(s, tid, "测试", dict(counts), [], "测试")
        for (year, month, sheet), writes in sorted(slices.items()):
            w = store.SliceWrite(town, year, month, sheet, writes, store.content_hash([r["data"] for r in writes]))  # type: ignore[misc]
            store.write_slice(s, batch, tid, w, store.active_slice(s, tid, year, month, sheet), cat)
        store.bump_version(s)
    return batch


# ------------------------------------------------------------------ in memory, as the facts add up


def month_totals(ind: Indicator, rows: list[Row], year: int, upto: dt.date | None = None) -> MonthTotals:
    """What `facts.month_totals` reads from the database, from the rows themselves (via `facts.derive`)."""
    value: Counter[int] = Counter()
    weight: Counter[int] = Counter()
    keys: dict[int, set[str]] = {}
    first: dict[str, int] = {}
    for sheet, day, fields in rows:
        date = _day(day)
        if sheet != ind.sheet or date.year != year or (upto is not None and date > upto):
            continue
        for v, w, key in facts.derive(ind, {k: _json(x) for k, x in fields.items()}):
            value[date.month] += v
            weight[date.month] += w
            keys.setdefault(date.month, set())
            if key is not None:
                keys[date.month].add(key)
                first[key] = min(first.get(key, date.month), date.month)
    totals = {m: Totals(value[m], weight[m], len(keys[m])) for m in keys}
    first_seen = dict(Counter(first.values())) if ind.aggregation == "distinct" else {}
    return totals, first_seen


def key_months(ind: Indicator, rows: list[Row], year: int) -> list[tuple[str, int, int]]:
    """What `facts.key_months` reads from the database: (village, month, rows naming it)."""
    counts: Counter[tuple[str, int]] = Counter()
    for sheet, day, fields in rows:
        date = _day(day)
        if sheet == ind.sheet and date.year == year:
            for _, _, key in facts.derive(ind, {k: _json(x) for k, x in fields.items()}):
                if key is not None:
                    counts[(key, date.month)] += 1
    return [(k, m, n) for (k, m), n in counts.items()]


# ------------------------------------------------------------------ the oracle: the pandas implementation replaced


def matches(df: pd.DataFrame, cond: dict[str, tuple[str, ...]]) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for col, values in cond.items():
        mask &= df[col].isin(values) if col in df.columns else False
    return mask


def aggregate(ind: Indicator, df: pd.DataFrame) -> float | None:
    """The indicator's value over the given records (all sheets; it picks its own)."""
    rows = df[df["sheet"] == ind.sheet] if len(df) else df
    if len(rows) and ind.filter:
        rows = rows[matches(rows, ind.filter)]
    if ind.aggregation == "count":
        return float(len(rows))
    if ind.aggregation == "sum":
        return float(pd.to_numeric(rows[ind.value], errors="coerce").fillna(0).sum()) if len(rows) else 0.0
    if ind.aggregation == "distinct":  # a cell may name several villages: count each
        return float(rows[ind.value].explode().dropna().nunique()) if len(rows) else 0.0
    # rate: percent, None when nothing is concluded yet
    if not len(rows):
        return None
    den = matches(rows, ind.denominator)
    if not den.any():
        return None
    num = den & matches(rows, ind.numerator)
    return round(100.0 * float(num.sum()) / float(den.sum()), 1)


def by_month(ind: Indicator, df: pd.DataFrame, upto: int) -> tuple[list[float | None], list[float | None]]:
    """(monthly, cumulative) values for months 1..upto; distinct and rate are not additive, so each is recomputed."""
    rows = df[df["sheet"] == ind.sheet] if len(df) else df
    month = rows["date"].dt.month if len(rows) else pd.Series(dtype=int)
    monthly = [aggregate(ind, rows[month == m]) for m in range(1, upto + 1)]
    cumulative = [aggregate(ind, rows[month <= m]) for m in range(1, upto + 1)]
    return monthly, cumulative


def last_year(ind: Indicator, last_year_records: pd.DataFrame) -> list[float | None] | None:
    """Last year's cumulative line from last year's records of the indicator's sheet; none without any."""
    rows = last_year_records[last_year_records["sheet"] == ind.sheet] if len(last_year_records) else last_year_records
    return by_month(ind, rows, 12)[1] if len(rows) else None


def village_counts(ind: Indicator, df: pd.DataFrame) -> dict[tuple[str, int], int]:
    """(village, month) -> rows of the indicator naming that village; a row naming several counts for each."""
    rows = df[df["sheet"] == ind.sheet] if len(df) else df
    if len(rows) and ind.filter:
        rows = rows[matches(rows, ind.filter)]
    if not len(rows):
        return {}
    exploded = rows.assign(month=rows["date"].dt.month).explode("village").dropna(subset=["village"])
    return {(v, int(m)): int(n) for (v, m), n in exploded.groupby(["village", "month"]).size().items()}
