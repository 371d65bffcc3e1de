"""Shared fixtures: a fresh database per test and a builder for small messy workbooks.

The suite runs on one database back end per session, chosen by LAWDASH_TEST_BACKEND:
`sqlite` (the default: a file per test) or `postgresql` (the server at LAWDASH_PG; one throwaway
database per session, a schema per test chosen through the URL's search_path). `scripts/check` runs
both. On the PostgreSQL pass, tests that open no database are deselected (the SQLite pass ran them),
tests marked `sqlite_only` are skipped, and tests marked `postgres` run only there.
"""

from __future__ import annotations

import io
import itertools
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from lawdash import auth, store
from lawdash.demo import load_demo

SAMPLES = sorted((Path(__file__).parent / "data").glob("商酒务镇2024年2月*.xlsx"))
TOWN = "商酒务镇"
BACKEND = os.environ.get("LAWDASH_TEST_BACKEND", "sqlite")
PG_SERVER = os.environ.get("LAWDASH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def required(kind: str) -> bool:
    return kind in {k.strip() for k in os.environ.get("LAWDASH_REQUIRE", "").split(",")}


def require(kind: str, available: bool, reason: str) -> None:
    """Skip when something optional is missing, unless LAWDASH_REQUIRE names it (CI does)."""
    if available:
        return
    if required(kind):
        pytest.fail(f"{reason} (required here by LAWDASH_REQUIRE)")
    pytest.skip(reason)


@cache
def postgres_up() -> bool:
    probe = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            return True
    except Exception:  # any driver or network failure means: no server here
        return False
    finally:
        probe.dispose()


# ------------------------------------------------------------------ the back end of this session


def pytest_configure(config: pytest.Config) -> None:
    if BACKEND not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"LAWDASH_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")


def pytest_report_header(config: pytest.Config) -> str:
    where = ""
    if BACKEND == "postgresql":
        where = f" at {PG_SERVER}" + ("" if postgres_up() else ", which is NOT REACHABLE: its tests are skipped")
    return f"lawdash database back end: {BACKEND}{where} (LAWDASH_TEST_BACKEND)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "sqlite":
        skip = pytest.mark.skip(
            reason="PostgreSQL-specific: runs on the PostgreSQL pass (LAWDASH_TEST_BACKEND=postgresql)"
        )
        for item in items:
            if item.get_closest_marker("postgres"):
                item.add_marker(skip)
        return
    # PostgreSQL pass: only the tests that open a database (through the `databases` fixture).
    keep = [i for i in items if "databases" in getattr(i, "fixturenames", ())]
    if dropped := [i for i in items if i not in keep]:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    if not postgres_up():
        reason = f"PostgreSQL is not reachable at {PG_SERVER}"
        if required("postgres"):
            pytest.exit(f"{reason} (required here by LAWDASH_REQUIRE)", returncode=1)
        for item in items:
            item.add_marker(pytest.mark.skip(reason=f"{reason}: the PostgreSQL pass is skipped"))
        return
    skip = pytest.mark.skip(reason="about SQLite itself (file, WAL, locking): runs on the SQLite pass only")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


class Databases:
    """Throwaway databases on this session's back end, each named by an SQLAlchemy URL.

    `fresh()` gives an empty one: an SQLite file, or on PostgreSQL a schema of the session's
    database that the URL selects (`options=-csearch_path=...`); with its tables made by
    `store.get_engine`, that is about 0.1 s a test against 15 ms for a file. A database that tests
    will copy must be made `copyable`: on PostgreSQL, a database of its own, which
    `fresh(copy_of=...)` copies with CREATE DATABASE ... TEMPLATE (0.2 s for the demo).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)
        self.name = f"lawdash_test_{uuid.uuid4().hex[:8]}"
        if BACKEND == "postgresql":
            self.admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
            self._run(self.admin, f'CREATE DATABASE "{self.name}"')
            # A connection a test left open in a transaction makes DROP SCHEMA wait: fail instead.
            self.session_db = create_engine(
                f"{PG_SERVER}/{self.name}",
                isolation_level="AUTOCOMMIT",
                connect_args={"options": "-c lock_timeout=30s"},
            )

    @staticmethod
    def _run(engine: Engine, sql: str) -> None:
        with engine.connect() as c:
            c.execute(text(sql))

    @contextmanager
    def fresh(self, copyable: bool = False, copy_of: str | None = None) -> Iterator[str]:
        """The URL of a new database, empty or a copy of `copy_of`; dropped when the block ends."""
        n = next(self.counter)
        if BACKEND == "sqlite":
            path = self.folder / f"{n}.db"
            if copy_of is not None:
                copy_database(Path(make_url(copy_of).database or ""), path)
            url = f"sqlite:///{path}"
            drop: Callable[[], None] = lambda: remove_sqlite(path)
        elif copy_of is None and not copyable:
            self._run(self.session_db, f'CREATE SCHEMA "t{n}"')
            url = f"{PG_SERVER}/{self.name}?options=-csearch_path%3Dt{n}"
            drop = lambda: self._run(self.session_db, f'DROP SCHEMA "t{n}" CASCADE')
        else:
            name = f"{self.name}_{n}"
            if copy_of is None:
                self._run(self.admin, f'CREATE DATABASE "{name}"')
            else:
                forget(copy_of)  # a template database must have no open connections
                self._run(self.admin, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(copy_of).database}"')
            url = f"{PG_SERVER}/{name}"
            drop = lambda: self._run(self.admin, f'DROP DATABASE "{name}" WITH (FORCE)')
        try:
            yield url
        finally:
            forget(url)
            drop()

    def close(self) -> None:
        if BACKEND == "postgresql":
            self.session_db.dispose()
            self._run(self.admin, f'DROP DATABASE "{self.name}" WITH (FORCE)')
            self.admin.dispose()


def remove_sqlite(path: Path) -> None:
    for end in ("", "-wal", "-shm"):
        Path(f"{path}{end}").unlink(missing_ok=True)


def forget(url: str) -> None:
    """Close and drop the engines lawdash keeps for `url` (however the URL was spelled)."""
    target = make_url(store.database_url(url))
    for key in [k for k in store._engines if make_url(k) == target]:
        store._engines.pop(key).dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if BACKEND == "postgresql":
        require("postgres", postgres_up(), f"PostgreSQL is not reachable at {PG_SERVER}")
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    try:
        yield dbs
    finally:
        dbs.close()


@pytest.fixture(scope="session")
def demo_db(databases: Databases) -> Iterator[str]:
    """The demo database, loaded once for the session (it takes seconds); tests use a `demo_copy`."""
    with databases.fresh(copyable=True) as url:
        load_demo(store.get_engine(url))
        yield url


@pytest.fixture
def demo_copy(demo_db: str, databases: Databases) -> Iterator[str]:
    """A private copy of the demo database, which the test may change (a copy costs far less than a load)."""
    with databases.fresh(copy_of=demo_db) as url:
        yield url


@pytest.fixture
def db_url(databases: Databases) -> Iterator[str]:
    """A new, empty database for this test (no schema yet: `store.get_engine` makes it)."""
    with databases.fresh() as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def acting_as_operator() -> Iterator[None]:
    """Tests call the engine as the server's operator does; access tests switch to other users."""
    with auth.acting_as(auth.SYSTEM):
        yield


@pytest.fixture
def engine(db_url: str) -> Engine:
    eng = store.get_engine(db_url)
    store.seed_reference(eng)
    return eng


Sheets = dict[str, list[list[object]]]


def build_workbook(sheets: Sheets, merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx with the given rows per sheet (row 1 first), and merged ranges per sheet."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def workbook() -> Callable[..., bytes]:
    return build_workbook


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of an SQLite database (the backup API, safe while it is open)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    return target
