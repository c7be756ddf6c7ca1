"""Alembic environment: the engine comes from hvdesk.db (never from an ini file)."""

from alembic import context

from hvdesk.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    context.run_migrations()
