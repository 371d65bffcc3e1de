"""What only PostgreSQL has: the audit log refuses TRUNCATE too. These run on the PostgreSQL pass
(`LAWDASH_TEST_BACKEND=postgresql`, see tests/conftest.py), where every other test runs as well."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from lawdash import store
from lawdash.audit import entries
from lawdash.importer import import_workbooks
from lawdash.progress import progress_for_year
from tests.conftest import SAMPLES, TOWN

pytestmark = pytest.mark.postgres


def test_import_reimport_undo_on_postgres(engine: Engine) -> None:
    assert engine.dialect.name == "postgresql"
    files = [(p.name, p.read_bytes()) for p in SAMPLES]
    first = import_workbooks(engine, files)
    assert first.status == "stored"
    assert import_workbooks(engine, files[:1]).status == "unchanged"
    figures = {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 2, 29))}
    assert (figures["materials_distributed"], figures["villages_reached"], figures["mediation_success_rate"]) == (
        1350,
        2,
        66.7,
    )
    store.undo_batch(engine, first.batch)  # type: ignore[arg-type]
    assert store.record_count(engine) == 0


def test_postgres_refuses_to_change_the_audit_log(engine: Engine) -> None:
    import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    n = len(entries(engine))
    for sql in ("UPDATE audit_log SET who = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.writing(engine) as s:
            s.execute(text(sql))
    assert len(entries(engine)) == n >= 1
