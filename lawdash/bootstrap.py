"""Open the app's database: the one named by LAWDASH_DB, created with the demo township if new."""

from __future__ import annotations

from sqlalchemy import Engine

from lawdash import auth, store


def open_database(db: str | None = None) -> Engine:
    """The engine for `db` (default LAWDASH_DB or data/lawdash.db); an empty database gets the demo."""
    engine = store.get_engine(db)
    if not store.towns(engine):
        from lawdash.demo import load_demo

        with auth.acting_as(auth.SYSTEM):  # the first start builds the demo, not a visitor
            load_demo(engine)
    return engine


def is_demo(engine: Engine) -> bool:
    """True while the database holds the demo data (every page says so)."""
    return store.get_meta(engine, "demo") == "1"
