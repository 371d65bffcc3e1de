"""Nothing lost under real processes: concurrent imports with readers, SIGKILL mid-import, backup and restore.

The first two run on both back ends; the rest are about the SQLite file (its locking, its backup)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from lawdash import store
from lawdash.backup import backup, restore
from lawdash.importer import import_workbooks
from lawdash.progress import progress_for_year
from tests.conftest import SAMPLES, TOWN, build_workbook

ROOT = Path(__file__).resolve().parent.parent
PUB = ["日期", "活动名称", "阵地", "村或地点", "发放资料份数"]


def month_file(path: Path, month: int, rows: int = 300) -> Path:
    data = build_workbook(
        {
            "普法宣传": [PUB]
            + [[f"2024-{month:02d}-{1 + i % 28:02d}", f"宣传{i}", "乡村", "东村", 1] for i in range(rows)]
        }
    )
    path.write_bytes(data)
    return path


def child(code: str, db: str) -> subprocess.Popen[str]:
    """A separate Python process running `code` against the database, acting as the operator."""
    prelude = "from lawdash import auth, store\nauth.set_actor(auth.SYSTEM)\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, "LAWDASH_DB": db, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def printed(*procs: subprocess.Popen[str]) -> list[dict[str, object]]:
    """The JSON each child printed last, once all have ended; the error output of one that failed."""
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def test_two_imports_at_once_and_readers_never_see_half_a_batch(engine: Engine, db_url: str, tmp_path: Path) -> None:
    db = db_url
    files = [month_file(tmp_path / f"商酒务镇2024年{m}月.xlsx", m) for m in (3, 4)]
    reader = child(
        """
        import time, json
        from sqlalchemy import func, select
        from lawdash.store import Batch, Record, Slice
        eng = store.get_engine()
        if eng.dialect.name == "postgresql":
            eng = eng.execution_options(isolation_level="REPEATABLE READ")  # SQLite's read is one snapshot already
        claims = select(Batch.id, Batch.rows).where(Batch.status == "stored")
        seen, torn, deadline = 0, [], time.time() + 8
        while time.time() < deadline:
            with eng.connect() as con, con.begin():  # one snapshot: the batch list and the rows it claims
                batches = con.execute(claims).all()
                for bid, rows in batches:
                    have = con.execute(select(func.count()).select_from(Record).join(Slice).where(Slice.batch_id == bid)).scalar_one()
                    if have != sum(rows.values()):
                        torn.append(bid)
            seen = max(seen, len(batches))
            if seen >= 2:
                break
        print(json.dumps({"seen": seen, "torn": torn}))
        """,
        db,
    )
    writers = [
        child(
            f"""
            import json
            from pathlib import Path
            from lawdash.importer import import_workbooks
            r = import_workbooks(store.get_engine(), [Path({str(f)!r})])
            print(json.dumps({{"status": r.status, "batch": r.batch}}))
            """,
            db,
        )
        for f in files
    ]
    *results, observed = printed(*writers, reader)
    assert sorted(r["status"] for r in results) == ["stored", "stored"]
    assert observed["torn"] == []
    figures = {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 4, 30))}
    assert figures["materials_distributed"] == 600  # both months, each once


def test_sigkill_in_the_middle_of_an_import_leaves_the_database_as_it_was(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    db = db_url
    import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    before = (store.record_count(engine), [b.id for b in store.list_batches(engine)], store.data_version(engine))
    replacement = month_file(tmp_path / "商酒务镇2024年2月台账-会议与普法.xlsx", 2, rows=50)
    victim = child(
        f"""
        import time
        from pathlib import Path
        from lawdash import importer
        real = store.write_slice
        def write_then_hang(*args, **kwargs):
            real(*args, **kwargs)
            print("slice written", flush=True)  # inside the transaction, not committed
            time.sleep(120)
        store.write_slice = write_then_hang
        importer.import_workbooks(store.get_engine(), [Path({str(replacement)!r})])
        """,
        db,
    )
    assert victim.stdout is not None
    assert victim.stdout.readline().strip() == "slice written"
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)  # reaps it and closes its pipes
    assert victim.returncode == -signal.SIGKILL
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(engine.url.database or "") as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    engine.dispose()
    after = (store.record_count(engine), [b.id for b in store.list_batches(engine)], store.data_version(engine))
    assert after == before
    figures = {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 2, 29))}
    assert figures["materials_distributed"] == 1350


@pytest.mark.sqlite_only
def test_backup_and_restore_give_the_same_figures(engine: Engine, tmp_path: Path) -> None:
    import_workbooks(engine, [(p.name, p.read_bytes()) for p in SAMPLES])
    figures = lambda: {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, dt.date(2024, 2, 29))}
    saved = figures()
    copy = tmp_path / "backup.db"
    assert backup(engine, copy) > 0
    store.undo_batch(engine, 1)  # a mistake after the backup
    assert figures()["materials_distributed"] == 0
    restore(engine, copy)
    assert figures() == saved
    with sqlite3.connect(copy) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.sqlite_only
def test_restore_refuses_a_file_that_is_not_our_backup(engine: Engine, tmp_path: Path) -> None:
    from lawdash.errors import Refused

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Refused, match=r"不是有效的数据库备份|不是本系统的数据库备份"):
        restore(engine, junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(Refused, match="不是本系统的数据库备份"):
        restore(engine, other)


def test_writers_queue_instead_of_failing(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """A writer holding the write lock for a while makes the other wait, not fail: SQLite's write lock
    and busy timeout, PostgreSQL's advisory lock taken by every write transaction."""
    db = db_url
    holder = child(
        """
        import time
        from sqlalchemy import text
        with store.writing(store.get_engine()) as s:
            s.execute(text("UPDATE meta SET value = value WHERE key = 'none'"))
            print("holding", flush=True)
            time.sleep(2)
        """,
        db,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    start = time.monotonic()
    result = import_workbooks(engine, [month_file(tmp_path / "商酒务镇2024年5月.xlsx", 5, rows=5)])
    waited = time.monotonic() - start
    holder.communicate(timeout=30)
    assert result.status == "stored"
    assert waited > 0.5  # it waited for the other writer's transaction
