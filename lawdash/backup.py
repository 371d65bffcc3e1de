"""Online backup and restore of the SQLite database (the sqlite3 backup API: consistent while in use)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from lawdash import audit, auth, facts, migrations
from lawdash.errors import LawdashError, Refused


def _sqlite_path(engine: Engine) -> str:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise Refused("只有 SQLite 数据库可用此命令备份；PostgreSQL 请用 pg_dump")
    return engine.url.database


def backup(engine: Engine, target: Path) -> int:
    """Copy the live database to `target`, page by page, while others keep reading and writing."""
    auth.require("admin")
    source = _sqlite_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    audit.record_now(engine, "backup", str(target), {"bytes": target.stat().st_size})
    return target.stat().st_size


def restore(engine: Engine, source: Path) -> None:
    """Replace the live database by a backup, after checking the backup is sound and is ours."""
    auth.require("admin")
    live = _sqlite_path(engine)
    if not source.is_file():
        raise Refused(f"备份文件不存在：{source}")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise Refused(f"“{source.name}”不是有效的数据库备份：{exc}") from None
    if ok != "ok" or not {"batches", "records", "slices", "towns"} <= tables:
        raise Refused(f"“{source.name}”不是本系统的数据库备份，或已损坏")
    engine.dispose()
    try:
        with sqlite3.connect(source) as src, sqlite3.connect(live, timeout=30) as dst:
            src.backup(dst)
        dst.close()
    except sqlite3.Error as exc:
        raise LawdashError(f"恢复失败，当前数据库未改动：{exc}") from exc
    migrations.upgrade(engine)  # a backup from an older version gets the current schema
    facts.forget(engine)  # and its facts are checked against the catalogue again
    audit.record_now(engine, "restore", str(source))
