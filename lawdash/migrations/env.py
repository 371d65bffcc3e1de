"""Alembic environment: lawdash runs migrations itself (`lawdash.migrations.upgrade`) on the
connection it passes in `config.attributes["connection"]`; there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from lawdash.store import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
