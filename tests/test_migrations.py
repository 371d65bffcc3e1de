"""Schema migrations: the scripts build exactly the models' schema, and an older database is upgraded
with its data intact, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from lawdash import facts, migrations, store
from lawdash.demo import DEMO_TOWN, load_demo
from lawdash.progress import progress_for_year
from tests.conftest import forget


def test_the_scripts_build_the_schema_of_the_models(db_url: str) -> None:
    engine = create_engine(db_url)
    migrations.upgrade(engine, migrations.FIRST)  # from nothing, script by script
    migrations.upgrade(engine)
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        diff = compare_metadata(MigrationContext.configure(conn), store.Base.metadata)
    engine.dispose()
    assert diff == []


def test_the_audit_log_stays_append_only_after_the_scripts(db_url: str) -> None:
    engine = create_engine(db_url)
    migrations.upgrade(engine, migrations.FIRST)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, who, action, target, ok, detail) VALUES (:at, 'x', 'a', '', :ok, '{}')"), {"at": dt.datetime(2024, 1, 1), "ok": True})  # fmt: skip
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    engine.dispose()


def test_a_database_from_before_migrations_is_upgraded_with_its_figures(db_url: str) -> None:
    old = store.get_engine(db_url)
    load_demo(old)
    before = {p.id: p.actual for p in progress_for_year(old, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    # Take it back to what lawdash made before migrations: no facts, no alembic_version.
    with old.begin() as conn:
        conn.execute(text("DROP TABLE facts"))
        conn.execute(text("DROP TABLE fact_sets"))
        conn.execute(text("DROP INDEX slices_by_town_year"))
        conn.execute(text("DROP TABLE alembic_version"))
    forget(db_url)
    facts.forget(old)

    engine = store.get_engine(db_url)
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        assert inspect(conn).has_table("facts")
    after = {p.id: p.actual for p in progress_for_year(engine, DEMO_TOWN, 2023, dt.date(2023, 12, 31))}
    assert after == before
    assert after["topic_meetings"] == 4 and after["materials_distributed"] == 5380
    assert after["villages_reached"] == 25 and after["mediation_success_rate"] == 90.1


def test_opening_a_current_database_changes_nothing(db_url: str) -> None:
    store.get_engine(db_url)
    forget(db_url)
    engine = store.get_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    assert rows == [(migrations.head(),)]


@pytest.mark.sqlite_only
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
