"""staff duress alarms: an alarm may name a person instead of a visit

Revision ID: 0020
Revises: 0019

A safe word texted by someone with no visit out (or with two out) must still raise duress, so an
alarm's visit becomes optional and the person it is about is recorded; such an alarm is raised once
per text (unique person + key). On PostgreSQL the two foreign keys the first schema declared
with use_alter (event.alarm_id, risk_assessment.visit_id) and never made are made here.

SQLite cannot make a column nullable in place: the alarm table is rebuilt. Dropping the old table
would trip the foreign keys of the events, messages and texts that point at alarms (a deferred
check still fails at commit), so on SQLite the rebuild runs with foreign keys off, as SQLite's own
procedure for altering a table says, and is checked before they are switched back on.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from hvdesk.migrations.guards import refuse_person_alarms

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding() -> Iterator[None]:
    """Foreign keys off around a SQLite table rebuild (the pragma needs no transaction open)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection
    assert raw is not None
    run: Callable[[str], object] = raw.execute
    raw.commit()
    run("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = bind.execute(sa.text("PRAGMA foreign_key_check")).all()
        if broken:
            raise RuntimeError(f"alarm rebuild left broken references: {broken[:5]}")
        raw.commit()
    finally:
        raw.commit()
        run("PRAGMA foreign_keys=ON")


# Declared with use_alter in the first schema, so PostgreSQL never got them (SQLite has them in
# the table's own definition): an event's alarm and an assessment's visit must exist.
LATE_KEYS = (
    ("fk_event_alarm_id_alarm", "event", "alarm", "alarm_id"),
    ("fk_risk_assessment_visit_id_visit", "risk_assessment", "visit", "visit_id"),
)


def _late_keys(add: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    inspector = sa.inspect(bind)
    for name, table, target, column in LATE_KEYS:
        present = name in {fk["name"] for fk in inspector.get_foreign_keys(table)}
        if add and not present:
            op.create_foreign_key(name, table, target, [column], ["id"])
        elif not add and present:
            op.drop_constraint(name, table, type_="foreignkey")


def upgrade() -> None:
    _late_keys(add=True)
    with _rebuilding(), op.batch_alter_table("alarm", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.alter_column("visit_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_alarm_staff_id"), ["staff_id"], unique=False)
        batch_op.create_unique_constraint("uq_alarm_staff_deadline", ["staff_id", "deadline_key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_alarm_staff_id_staff"), "staff", ["staff_id"], ["id"]
        )


def downgrade() -> None:
    """Refused while a staff duress alarm exists: it has no visit to go back onto."""
    refuse_person_alarms(op.get_bind())
    with _rebuilding(), op.batch_alter_table("alarm", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alarm_staff_id_staff"), type_="foreignkey")
        batch_op.drop_constraint("uq_alarm_staff_deadline", type_="unique")
        batch_op.drop_index(batch_op.f("ix_alarm_staff_id"))
        batch_op.alter_column("visit_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("staff_id")
    _late_keys(add=False)
