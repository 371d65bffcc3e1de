"""The same engine over PostgreSQL: import, replace, undo and figures, on a real server."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from lawdash import store
from lawdash.importer import import_workbooks
from lawdash.progress import progress_for_year
from tests.conftest import SAMPLES, TOWN, require

SERVER = os.environ.get("LAWDASH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _server_up() -> bool:
    probe = create_engine(f"{SERVER}/postgres", connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            return True
    except Exception:  # any driver or network failure means: no server here
        return False
    finally:
        probe.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    require("postgres", _server_up(), f"PostgreSQL is not reachable at {SERVER}")
    name = f"lawdash_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = store.get_engine(f"{SERVER}/{name}")
    try:
        store.seed_reference(engine)
        yield engine
    finally:
        engine.dispose()
        store._engines.pop(str(engine.url.render_as_string(hide_password=False)), None)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_import_reimport_undo_on_postgres(pg_engine: Engine) -> None:
    files = [(p.name, p.read_bytes()) for p in SAMPLES]
    first = import_workbooks(pg_engine, files)
    assert first.status == "stored"
    assert import_workbooks(pg_engine, files[:1]).status == "unchanged"
    figures = {p.id: p.actual for p in progress_for_year(pg_engine, TOWN, 2024, dt.date(2024, 2, 29))}
    assert (figures["materials_distributed"], figures["villages_reached"], figures["mediation_success_rate"]) == (
        1350,
        2,
        66.7,
    )
    store.undo_batch(pg_engine, first.batch)  # type: ignore[arg-type]
    assert store.record_count(pg_engine) == 0


def test_postgres_refuses_to_change_the_audit_log(pg_engine: Engine) -> None:
    from sqlalchemy.exc import DatabaseError

    from lawdash.audit import entries

    import_workbooks(pg_engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    n = len(entries(pg_engine))
    for sql in ("UPDATE audit_log SET who = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.writing(pg_engine) as s:
            s.execute(text(sql))
    assert len(entries(pg_engine)) == n >= 1
