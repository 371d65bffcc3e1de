"""The database: schema, engine, and every write (each one transaction).

Records are stored in *slices*: one slice holds the rows of one (town, year, month, sheet) as
one batch brought them. At most one slice per key is active (a partial unique index says so),
so a re-import replaces rows and never doubles them; the replaced slice stays, inactive, so
that undoing the batch brings it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from lawdash import migrations
from lawdash.catalogue import DATA_DIR, Catalogue, default_catalogue
from lawdash.errors import Refused, UnknownBatch, UnknownTown

DEFAULT_DB = DATA_DIR / "lawdash.db"


class Base(DeclarativeBase):
    pass


class Town(Base):
    __tablename__ = "towns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("town_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("town_id", "year", "indicator"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    pace: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    period: Mapped[str] = mapped_column(String(64))
    rows: Mapped[dict[str, int]] = mapped_column(JSON)
    user: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="stored")  # stored | undone
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class BatchFile(Base):
    __tablename__ = "batch_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class Slice(Base):
    __tablename__ = "slices"
    __table_args__ = (
        Index(
            "one_active_slice",
            "town_id",
            "year",
            "month",
            "sheet",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    sheet: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("slices.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


Index("slices_by_town_year", Slice.town_id, Slice.year)


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (Index("records_by_town_sheet_date", "town_id", "sheet", "date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slice_id: Mapped[int] = mapped_column(ForeignKey("slices.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    sheet: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    village: Mapped[str | None] = mapped_column(String(64), nullable=True)
    file: Mapped[str] = mapped_column(String(255))
    row: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, object]] = mapped_column(JSON)


class Fact(Base):
    """What one record adds to one indicator (see `lawdash.facts`): progress is a GROUP BY over these.

    `active` follows the record's slice, so that reading needs no join. A record naming several
    villages gives one fact per village; only the first carries the value and the row (`weight`).
    """

    __tablename__ = "facts"
    __table_args__ = (
        # covering: the overview's and the county's GROUP BYs read the index alone, in group order
        Index(
            "facts_by_year_town", "active", "year", "town_id", "indicator", "month", "date", "value", "weight", "key"
        ),
        Index("facts_by_slice", "slice_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slice_id: Mapped[int] = mapped_column(ForeignKey("slices.id"))
    active: Mapped[bool] = mapped_column(Boolean)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    indicator: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class FactSet(Base):
    """Which definition of each indicator the facts were derived with; a changed catalogue rebuilds them."""

    __tablename__ = "fact_sets"
    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    definition: Mapped[str] = mapped_column(String(64))


class LedgerEntry(Base):
    """One item of the rectification ledger (整改台账), keyed by its 编号 within a township."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("town_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"))
    code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    problem: Mapped[str] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    measure: Mapped[str] = mapped_column(Text)
    leader: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit: Mapped[str] = mapped_column(String(128))
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[str | None] = mapped_column(Text, nullable=True)
    done_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    indicator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LedgerHistory(Base):
    """Every change of a ledger entry's status or progress: who, when, from what, to what, why."""

    __tablename__ = "ledger_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    who: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    from_progress: Mapped[str | None] = mapped_column(Text, nullable=True)
    to_progress: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer | editor | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditLog(Base):
    """Append-only: the database refuses UPDATE and DELETE on it (triggers below)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    who: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


_APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
_APPEND_ONLY_POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


@event.listens_for(AuditLog.__table__, "after_create")
def _append_only(target, connection, **kw) -> None:  # type: ignore[no-untyped-def]
    statements = {"sqlite": _APPEND_ONLY_SQLITE, "postgresql": _APPEND_ONLY_POSTGRES}.get(connection.dialect.name, [])
    for sql in statements:
        connection.exec_driver_sql(sql)


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ------------------------------------------------------------------ engine


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """An SQLAlchemy URL from `--db`, `LAWDASH_DB` or the default; a plain path means SQLite."""
    db = db or os.environ.get("LAWDASH_DB") or DEFAULT_DB
    db = str(db)
    if "://" in db:
        return db
    path = Path(db).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


_engines: dict[str, Engine] = {}


def get_engine(db: str | os.PathLike[str] | None = None) -> Engine:
    """One engine per URL, its schema created or upgraded (`lawdash.migrations`); SQLite in WAL mode."""
    url = database_url(db)
    if url in _engines:
        return _engines[url]
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    migrations.upgrade(engine)
    _engines[url] = engine
    return engine


def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # Writers take the write lock at BEGIN, so two writers queue instead of deadlocking.
    mode = "IMMEDIATE" if conn.get_execution_options().get("lawdash_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """One write transaction: everything inside is stored whole or not at all."""
    with engine.connect() as conn:
        conn.execution_options(lawdash_write=True)
        with Session(bind=conn) as session, session.begin():
            if conn.dialect.name == "postgresql":
                # PostgreSQL's counterpart of SQLite's BEGIN IMMEDIATE: writers queue, never interleave
                session.execute(text("SELECT pg_advisory_xact_lock(hashtext('lawdash writes'))"))
            yield session


def bump_version(session: Session) -> None:
    """Every write moves the data version, which keys the app's caches."""
    row = session.get(Meta, "data_version")
    if row is None:
        session.add(Meta(key="data_version", value="1"))
    else:
        row.value = str(int(row.value) + 1)


def data_version(engine: Engine) -> int:
    with Session(engine) as s:
        row = s.get(Meta, "data_version")
        return int(row.value) if row else 0


def get_meta(engine: Engine, key: str) -> str | None:
    with Session(engine) as s:
        row = s.get(Meta, key)
        return row.value if row else None


def get_meta_in(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


# ------------------------------------------------------------------ reference data


def seed_reference(engine: Engine, cat: Catalogue | None = None) -> None:
    """Towns and villages from the catalogue; existing ones are kept, new villages added. Needs 管理."""
    from lawdash import auth

    auth.require("admin")
    cat = cat or default_catalogue()
    with writing(engine) as s:
        for t in cat.towns:
            town = s.scalar(select(Town).where(Town.name == t.name))
            if town is None:
                town = Town(name=t.name)
                s.add(town)
                s.flush()
            have = set(s.scalars(select(Village.name).where(Village.town_id == town.id)))
            for pos, v in enumerate(t.villages):
                if v not in have:
                    s.add(Village(town_id=town.id, name=v, position=pos))
        if s.new:  # the pages cache the township list per data version
            bump_version(s)


def towns(engine: Engine) -> dict[str, tuple[str, ...]]:
    """Every town with its villages, in their order."""
    with Session(engine) as s:
        rows = s.execute(
            select(Town.name, Village.name)
            .outerjoin(Village, Village.town_id == Town.id)
            .order_by(Town.id, Village.position)
        ).all()
    out: dict[str, list[str]] = {}
    for town, village in rows:
        out.setdefault(town, [])
        if village:
            out[town].append(village)
    return {k: tuple(v) for k, v in out.items()}


def resolve_town(engine: Engine, name: str | None) -> str:
    """The township a command means: the one named, else `Catalogue.home_town`."""
    known = towns(engine)
    if name:
        if name not in known:
            raise UnknownTown(f"乡镇“{name}”不在基础数据中（已有：{'、'.join(known) or '无'}）")
        return name
    if (home := default_catalogue().home_town(known)) is not None:
        return home
    raise UnknownTown(f"数据库中有多个乡镇（{'、'.join(known)}），请指定乡镇（--town）")


def town_id(session: Session, name: str) -> int:
    tid = session.scalar(select(Town.id).where(Town.name == name))
    if tid is None:
        raise UnknownTown(f"乡镇“{name}”不在基础数据中")
    return tid


# ------------------------------------------------------------------ batches


@dataclass
class BatchInfo:
    id: int
    created_at: dt.datetime
    town: str
    period: str
    rows: dict[str, int]
    files: list[dict[str, object]]
    user: str
    status: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "time": self.created_at.isoformat(sep=" "),
            "town": self.town,
            "period": self.period,
            "rows": self.rows,
            "files": self.files,
            "user": self.user,
            "status": self.status,
        }


def list_batches(
    engine: Engine, town: str | None = None, limit: int | None = None, batch_id: int | None = None
) -> list[BatchInfo]:
    """The import history, newest first: all of it, or one township's, the newest `limit`, or one batch."""
    q = select(Batch, Town.name).join(Town).order_by(Batch.id.desc())
    if town is not None:
        q = q.where(Town.name == town)
    if batch_id is not None:
        q = q.where(Batch.id == batch_id)
    with Session(engine) as s:
        rows = s.execute(q.limit(limit)).all()
        files: dict[int, list[dict[str, object]]] = {}
        ids = [b.id for b, _ in rows]
        for f in s.scalars(select(BatchFile).where(BatchFile.batch_id.in_(ids)).order_by(BatchFile.id)):
            files.setdefault(f.batch_id, []).append({"name": f.name, "sha256": f.sha256, "size": f.size})
        return [
            BatchInfo(b.id, b.created_at, t, b.period, b.rows, files.get(b.id, []), b.user, b.status) for b, t in rows
        ]


def undo_batch(engine: Engine, batch_id: int) -> BatchInfo:
    """Remove a batch as if it had never been imported, restoring the rows it replaced. Needs 填报."""
    from lawdash import audit, auth, facts

    auth.require("editor")
    with writing(engine) as s:
        batch = s.get(Batch, batch_id)
        if batch is None:
            raise UnknownBatch(f"批次 {batch_id} 不存在")
        if batch.status == "undone":
            raise Refused(f"批次 {batch_id} 已于 {batch.undone_at:%Y-%m-%d %H:%M} 撤销")
        slices = list(s.scalars(select(Slice).where(Slice.batch_id == batch_id)))
        for sl in slices:
            if not sl.active:
                later = s.scalar(select(Slice.batch_id).where(Slice.replaces_id == sl.id))
                raise Refused(
                    f"批次 {batch_id} 中 {sl.year}年{sl.month}月“{_sheet_name(sl.sheet)}”的数据"
                    f"已被批次 {later} 替换，请先撤销批次 {later}"
                )
        for sl in slices:
            facts.drop(s, sl.id)
            s.execute(delete(Record).where(Record.slice_id == sl.id))
            s.delete(sl)
            s.flush()
            if sl.replaces_id is not None:
                s.execute(update(Slice).where(Slice.id == sl.replaces_id).values(active=True))
                facts.set_active(s, sl.replaces_id, True)
        batch.status = "undone"
        batch.undone_at = dt.datetime.now().replace(microsecond=0)
        audit.record(
            s,
            "undo",
            f"批次 {batch_id}",
            {
                "period": batch.period,
                "rows": batch.rows,
                "restored": [sl.replaces_id for sl in slices if sl.replaces_id],
            },
        )
        bump_version(s)
    return list_batches(engine, batch_id=batch_id)[0]


def _sheet_name(key: str) -> str:
    return default_catalogue().sheet(key).name


def village_label(village: object) -> str | None:
    """The records' village column: one name, or several joined with 、 (the data keeps the list)."""
    return "、".join(village) if isinstance(village, list) else village  # type: ignore[return-value]


def content_hash(rows: list[dict[str, object]]) -> str:
    """The same rows in any order, from any file, give the same hash."""
    lines = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True, default=str) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass
class SliceWrite:
    """One (town, year, month, sheet) to store: its rows as JSON-ready dicts."""

    town: str
    year: int
    month: int
    sheet: str
    rows: list[dict[str, object]] = field(default_factory=list)  # data, plus _file/_row/_date/_village
    content: str = ""


def active_slice(session: Session, town_id_: int, year: int, month: int, sheet: str) -> Slice | None:
    return session.scalar(
        select(Slice).where(
            Slice.town_id == town_id_, Slice.year == year, Slice.month == month, Slice.sheet == sheet, Slice.active
        )
    )


def write_slice(session: Session, batch_id: int, tid: int, w: SliceWrite, old: Slice | None, cat: Catalogue) -> None:
    """Replace the active slice of a key by the new rows (the old one stays, inactive), with their facts."""
    from lawdash import facts

    if old is not None:
        old.active = False
        session.flush()
        facts.set_active(session, old.id, False)
    new = Slice(
        batch_id=batch_id,
        town_id=tid,
        year=w.year,
        month=w.month,
        sheet=w.sheet,
        content_hash=w.content,
        row_count=len(w.rows),
        replaces_id=old.id if old else None,
        active=True,
    )
    session.add(new)
    session.flush()
    if w.rows:
        session.execute(insert(Record), record_rows(new.id, tid, w))
        if derived := facts.slice_facts(cat, new.id, tid, w):  # none when no row counts for an indicator
            session.execute(insert(Fact), derived)


def record_rows(slice_id: int, tid: int, w: SliceWrite) -> list[dict[str, object]]:
    """The rows of the records table for a slice's rows."""
    return [
        {
            "slice_id": slice_id,
            "town_id": tid,
            "sheet": w.sheet,
            "date": r["_date"],
            "village": r["_village"],
            "file": r["_file"],
            "row": r["_row"],
            "data": r["data"],
        }
        for r in w.rows
    ]


def new_batch(
    session: Session, tid: int, period: str, rows: dict[str, int], files: list[dict[str, object]], user: str
) -> int:
    batch = Batch(created_at=dt.datetime.now().replace(microsecond=0), town_id=tid, period=period, rows=rows, user=user)
    session.add(batch)
    session.flush()
    for f in files:
        session.add(BatchFile(batch_id=batch.id, **f))
    return batch.id


def last_batch(engine: Engine, town: str | None = None) -> BatchInfo | None:
    """The newest batch still stored (of one township, or any), for “data last updated”."""
    q = select(Batch.id).join(Town).where(Batch.status == "stored").order_by(Batch.id.desc()).limit(1)
    if town is not None:
        q = q.where(Town.name == town)
    with Session(engine) as s:
        newest = s.scalar(q)
    return list_batches(engine, batch_id=newest)[0] if newest is not None else None


def record_count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(Record).join(Slice).where(Slice.active)) or 0
