"""Alembic environment: the engine comes from hvdesk.db (never from an ini file)."""

from alembic import context

from hvdesk.migrations.guards import STARTED_AT
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
    # where this command starts, for the downgrade guards' one decision (migrations.guards)
    config.attributes[STARTED_AT] = context.get_context().get_current_heads()
    context.run_migrations()
