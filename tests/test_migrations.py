"""Schema migrations: the scripts build exactly the models' schema, and an older database is upgraded
with its data intact, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from lawdash import facts, migrations, store
from lawdash.demo import DEMO_TOWN, load_demo
from lawdash.progress import progress_for_year
from tests.conftest import PG_SERVER as SERVER
from tests.conftest import postgres_up, require


@pytest.fixture(params=["sqlite", "postgresql"])
def raw_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database that no lawdash engine has opened yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    require("postgres", postgres_up(), f"PostgreSQL is not reachable at {SERVER}")
    name = f"lawdash_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{SERVER}/{name}"
    finally:
        for url in [u for u in store._engines if u.endswith(f"/{name}")]:
            store._engines.pop(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _plain(url: str) -> Engine:
    return create_engine(url)


def test_the_scripts_build_the_schema_of_the_models(raw_url: str) -> None:
    engine = _plain(raw_url)
    migrations.upgrade(engine, migrations.FIRST)  # from nothing, script by script
    migrations.upgrade(engine)
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        diff = compare_metadata(MigrationContext.configure(conn), store.Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_audit_log_stays_append_only_after_the_scripts(raw_url: str) -> None:
    engine = _plain(raw_url)
    migrations.upgrade(engine, migrations.FIRST)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, who, action, target, ok, detail) VALUES (:at, 'x', 'a', '', :ok, '{}')"), {"at": dt.datetime(2024, 1, 1), "ok": True})  # fmt: skip
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    engine.dispose()


def test_a_database_from_before_migrations_is_upgraded_with_its_figures(raw_url: str) -> None:
    old = store.get_engine(raw_url)
    load_demo(old)
    before = {p.id: p.actual for p in progress_for_year(old, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    # Take it back to what lawdash made before migrations: no facts, no alembic_version.
    with old.begin() as conn:
        conn.execute(text("DROP TABLE facts"))
        conn.execute(text("DROP TABLE fact_sets"))
        conn.execute(text("DROP INDEX slices_by_town_year"))
        conn.execute(text("DROP TABLE alembic_version"))
    store._engines.pop(store.database_url(raw_url)).dispose()
    facts.forget(old)

    engine = store.get_engine(raw_url)
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        assert inspect(conn).has_table("facts")
    after = {p.id: p.actual for p in progress_for_year(engine, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    assert after == before
    assert after["topic_meetings"] == 4 and after["materials_distributed"] == 5380
    assert after["villages_reached"] == 25 and after["mediation_success_rate"] == 90.1


def test_opening_a_current_database_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    store.get_engine(url)
    store._engines.pop(url).dispose()
    engine = store.get_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    assert rows == [(migrations.head(),)]


def test_restoring_a_backup_from_before_migrations_upgrades_it(tmp_path: Path) -> None:
    from lawdash.backup import backup, restore

    engine = store.get_engine(tmp_path / "live.db")
    load_demo(engine)
    before = {p.id: p.actual for p in progress_for_year(engine, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    old = tmp_path / "old.db"
    backup(engine, old)
    raw = create_engine(f"sqlite:///{old}")
    with raw.begin() as conn:  # what a backup made before migrations holds
        for sql in ("DROP TABLE facts", "DROP TABLE fact_sets", "DROP INDEX slices_by_town_year", "DROP TABLE alembic_version"):  # fmt: skip
            conn.execute(text(sql))
    raw.dispose()
    restore(engine, old)
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
    after = {p.id: p.actual for p in progress_for_year(engine, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    assert after == before
