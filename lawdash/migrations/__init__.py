"""Schema migrations (Alembic), run by `lawdash.store.get_engine` on every database it opens.

- A new, empty database gets the current schema at once (`create_all`) and is stamped as current.
- A database made before migrations existed (tables, no `alembic_version`) is stamped at the
  first revision, which is the schema it has, and upgraded from there.
- Any other is upgraded to the newest revision. SQLite and PostgreSQL run the same scripts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

HERE = Path(__file__).parent
FIRST = "0001"


def config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    """The newest revision of the scripts."""
    return ScriptDirectory(str(HERE)).get_current_head() or FIRST


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, to: str | None = None) -> None:
    """Bring the database to revision `to` (default: the newest), as described above."""
    from lawdash.store import Base

    target = to or head()
    with engine.begin() as conn:
        now = current(conn)
        if now == target:
            return
        if now is None and not inspect(conn).has_table("towns"):
            if target == head():
                Base.metadata.create_all(conn)
                command.stamp(config(conn), target)
                return
        elif now is None:
            command.stamp(config(conn), FIRST)
        command.upgrade(config(conn), target)
