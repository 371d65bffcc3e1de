"""Indicator facts: what each stored record adds to each indicator, so that figures are SQL GROUP BYs.

When a slice of records is written, every indicator of the catalogue turns each record into at
most one *fact* per village it names (`derive`): the value it adds (1 for a counted row, the
figure for a sum, 1/0 for a rate's successes), a weight of 1 for the row itself (0 on the extra
facts of a row naming several villages) and the village as `key`. Then, over any set of facts:

- count = SUM(weight), sum = SUM(value), distinct = COUNT(DISTINCT key),
- rate = 100 * SUM(value) / SUM(weight), none when no row is concluded.

Facts carry township, year, month and date and are indexed by them, so the overview of one
township reads a few hundred rows and the county page one GROUP BY, however large the database.
Which definition of each indicator the facts were derived with is kept in `fact_sets`; when the
catalogue changes an indicator, `sync` rebuilds its facts from the stored records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, delete, distinct, func, insert, select, update
from sqlalchemy.orm import Session

from lawdash import store
from lawdash.catalogue import Catalogue, Indicator

FactRow = dict[str, object]
_SYNCED: dict[str, str] = {}  # engine URL -> fingerprint of the catalogue its facts were last checked against


def definition(ind: Indicator) -> str:
    """A fingerprint of what an indicator counts: a change of any of these rebuilds its facts."""
    spec = {
        "sheet": ind.sheet,
        "aggregation": ind.aggregation,
        "value": ind.value,
        "filter": ind.filter,
        "numerator": ind.numerator,
        "denominator": ind.denominator,
        "by_village": ind.by_village,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _matches(data: dict[str, object], cond: dict[str, tuple[str, ...]]) -> bool:
    return all(data.get(col) in values for col, values in cond.items())


def _number(x: object) -> float:
    """A cell's figure; text that is no number, and blanks, add nothing."""
    if isinstance(x, bool) or x is None:
        return 0.0
    if isinstance(x, str) and (not x.isascii() or "_" in x):
        return 0.0  # as pandas reads a figure: Python's float() would also take "１２０" and "1_000"
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(f) else f


def _keys(ind: Indicator, data: dict[str, object]) -> list[str]:
    field = ind.value if ind.aggregation == "distinct" else "village" if ind.by_village else None
    raw = data.get(field) if field else None
    items = raw if isinstance(raw, list) else [raw]
    return [str(v) for v in items if v is not None and not (isinstance(v, float) and math.isnan(v))]


def derive(ind: Indicator, data: dict[str, object]) -> list[tuple[float, float, str | None]]:
    """(value, weight, key) of each fact one record gives the indicator; none when it does not count."""
    if ind.filter and not _matches(data, ind.filter):
        return []
    if ind.aggregation == "rate":
        if not _matches(data, ind.denominator):
            return []
        value = 1.0 if _matches(data, ind.numerator) else 0.0
    elif ind.aggregation == "sum":
        value = _number(data.get(ind.value or ""))
    else:
        value = 1.0
    keys = _keys(ind, data)
    if not keys:
        return [(value, 1.0, None)]
    return [(value, 1.0, keys[0])] + [(0.0, 0.0, k) for k in keys[1:]]


def fact_rows(
    indicators: Iterable[Indicator], slice_id: int, town_id: int, active: bool, rows: Iterable[tuple[dt.date, dict]]
) -> list[FactRow]:
    """Facts of the given (date, data) rows of one slice, for every indicator fed by the rows' sheet."""
    out: list[FactRow] = []
    inds = list(indicators)
    for date, data in rows:
        for ind in inds:
            for value, weight, key in derive(ind, data):
                out.append(
                    {
                        "slice_id": slice_id,
                        "active": active,
                        "town_id": town_id,
                        "indicator": ind.id,
                        "year": date.year,
                        "month": date.month,
                        "date": date,
                        "value": value,
                        "weight": weight,
                        "key": key,
                    }
                )
    return out


def slice_facts(cat: Catalogue, slice_id: int, town_id: int, w: store.SliceWrite) -> list[FactRow]:
    """The facts of a slice being written, for every indicator its sheet feeds."""
    inds = [i for i in cat.indicators if i.sheet == w.sheet]
    return fact_rows(inds, slice_id, town_id, True, ((r["_date"], r["data"]) for r in w.rows))  # type: ignore[misc]


def set_active(session: Session, slice_id: int, active: bool) -> None:
    session.execute(update(store.Fact).where(store.Fact.slice_id == slice_id).values(active=active))


def drop(session: Session, slice_id: int) -> None:
    session.execute(delete(store.Fact).where(store.Fact.slice_id == slice_id))


# ------------------------------------------------------------------ keeping facts in step with the catalogue


def _fingerprint(cat: Catalogue) -> str:
    return hashlib.sha256("".join(i.id + definition(i) for i in cat.indicators).encode()).hexdigest()


def sync(session: Session, cat: Catalogue) -> list[str]:
    """Rebuild the facts of every indicator whose definition differs from the stored one; drop the
    facts of indicators the catalogue no longer has. Returns the ids rebuilt."""
    stored = dict(session.execute(select(store.FactSet.indicator, store.FactSet.definition)).all())
    wanted = {i.id: definition(i) for i in cat.indicators}
    for ident in set(stored) - set(wanted):
        session.execute(delete(store.Fact).where(store.Fact.indicator == ident))
        session.execute(delete(store.FactSet).where(store.FactSet.indicator == ident))
    rebuilt = [i for i in cat.indicators if stored.get(i.id) != wanted[i.id]]
    for ind in rebuilt:
        session.execute(delete(store.Fact).where(store.Fact.indicator == ind.id))
        for chunk in _records(session, ind.sheet):
            facts = [
                f for sid, tid, active, date, data in chunk for f in fact_rows([ind], sid, tid, active, [(date, data)])
            ]
            if facts:
                session.execute(insert(store.Fact), facts)
        session.merge(store.FactSet(indicator=ind.id, definition=wanted[ind.id]))
    if rebuilt or set(stored) - set(wanted):
        _SYNCED.pop(str(session.connection().engine.url), None)
    return [i.id for i in rebuilt]


def _records(session: Session, sheet: str, size: int = 20_000) -> Iterator[list[tuple]]:
    """Every stored record of a sheet, active or not (an undo may bring an inactive one back), in chunks."""
    q = (
        select(store.Record.slice_id, store.Record.town_id, store.Slice.active, store.Record.date, store.Record.data)
        .join(store.Slice, store.Record.slice_id == store.Slice.id)
        .where(store.Record.sheet == sheet)
        .order_by(store.Record.id)
        .execution_options(yield_per=size)
    )
    result = session.execute(q)
    for part in result.partitions(size):
        yield [tuple(r) for r in part]


def ensure(engine: Engine, cat: Catalogue) -> None:
    """Before reading figures: make sure the facts follow `cat` (checked once per process and catalogue)."""
    key = str(engine.url)
    fp = _fingerprint(cat)
    if _SYNCED.get(key) == fp:
        return
    with Session(engine) as s:
        stored = dict(s.execute(select(store.FactSet.indicator, store.FactSet.definition)).all())
    if stored != {i.id: definition(i) for i in cat.indicators}:
        with store.writing(engine) as s:
            sync(s, cat)
    _SYNCED[key] = fp


def forget(engine: Engine) -> None:
    """After something outside this process may have changed the facts (a restore): check again."""
    _SYNCED.pop(str(engine.url), None)


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Totals:
    """The sums over some facts of one indicator, from which its figure follows."""

    value: float = 0.0
    weight: float = 0.0
    distinct: int = 0

    def figure(self, ind: Indicator) -> float | None:
        if ind.aggregation == "sum":
            return float(self.value)
        if ind.aggregation == "distinct":
            return float(self.distinct)
        if ind.aggregation == "rate":
            return round(100.0 * self.value / self.weight, 1) if self.weight else None
        return float(self.weight)  # count


_SUMS = (func.sum(store.Fact.value), func.sum(store.Fact.weight), func.count(distinct(store.Fact.key)))


def _where(year: int, upto: dt.date | None) -> list:
    cond = [store.Fact.active, store.Fact.year == year]
    if upto is not None:
        cond.append(store.Fact.date <= upto)
    return cond


def year_totals(engine: Engine, town_id: int, year: int, upto: dt.date | None) -> dict[str, Totals]:
    """indicator id -> its totals for one township, from January 1 to `upto` (None: the whole year)."""
    q = (
        select(store.Fact.indicator, *_SUMS)
        .where(*_where(year, upto), store.Fact.town_id == town_id)
        .group_by(store.Fact.indicator)
    )
    with Session(engine) as s:
        return {ind: Totals(v or 0.0, w or 0.0, d or 0) for ind, v, w, d in s.execute(q)}


def county_totals(engine: Engine, year: int, upto: dt.date | None) -> dict[int, dict[str, Totals]]:
    """town id -> indicator id -> totals, for every township at once (one GROUP BY)."""
    q = (
        select(store.Fact.town_id, store.Fact.indicator, *_SUMS)
        .where(*_where(year, upto))
        .group_by(store.Fact.town_id, store.Fact.indicator)
    )
    out: dict[int, dict[str, Totals]] = {}
    with Session(engine) as s:
        for tid, ind, v, w, d in s.execute(q):
            out.setdefault(tid, {})[ind] = Totals(v or 0.0, w or 0.0, d or 0)
    return out


def month_totals(
    engine: Engine, town_id: int, ind: Indicator, year: int, upto: dt.date | None
) -> tuple[dict[int, Totals], dict[int, int]]:
    """Per month: the month's totals; and for a distinct count, how many keys were first seen that month."""
    base = [*_where(year, upto), store.Fact.town_id == town_id, store.Fact.indicator == ind.id]
    q = select(store.Fact.month, *_SUMS).where(*base).group_by(store.Fact.month)
    first_seen: dict[int, int] = {}
    with Session(engine) as s:
        months = {m: Totals(v or 0.0, w or 0.0, d or 0) for m, v, w, d in s.execute(q)}
        if ind.aggregation == "distinct":
            firsts = (
                select(func.min(store.Fact.month).label("first"))
                .where(*base, store.Fact.key.is_not(None))
                .group_by(store.Fact.key)
                .subquery()
            )
            first_seen = dict(s.execute(select(firsts.c.first, func.count()).group_by(firsts.c.first)).all())
    return months, first_seen


def key_months(
    engine: Engine, town_id: int, ind: Indicator, year: int, upto: dt.date | None
) -> list[tuple[str, int, int]]:
    """(key, month, rows) for one indicator: how many of its rows name each village in each month."""
    q = (
        select(store.Fact.key, store.Fact.month, func.count())
        .where(*_where(year, upto), store.Fact.town_id == town_id, store.Fact.indicator == ind.id)
        .where(store.Fact.key.is_not(None))
        .group_by(store.Fact.key, store.Fact.month)
    )
    with Session(engine) as s:
        return [(k, m, n) for k, m, n in s.execute(q)]
