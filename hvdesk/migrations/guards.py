"""Checks a downgrade makes before it changes anything.

A downgrade that is refused half way leaves the schema at neither revision (on SQLite each
revision commits on its own), so a refusal that belongs to an older revision is made at the start
of every newer revision's downgrade too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.engine import Connection

STARTED_AT = "hvdesk.downgrade_from"  # config.attributes key: the heads when the command began


def refuse_person_alarms(bind: Connection) -> None:
    """Refused while an alarm about a person exists: before 0020 an alarm needs a visit, and an
    older hvdesk could not show one raised with no visit out."""
    if bind.execute(sa.text("SELECT count(*) FROM alarm WHERE visit_id IS NULL")).scalar():
        raise RuntimeError(
            "This database holds duress alarms raised with no visit out; an older hvdesk cannot "
            "show them, so the schema was not downgraded."
        )


def refuse_person_alarms_past_0020() -> None:
    """The start of every downgrade newer than 0020: refused while an alarm about a person exists
    if this command's target (a revision, -N, head-N or base) takes the database past 0020.

    The target is resolved once against the heads the command started from (env.py records
    them), not the revision of the step running, so every step answers alike and the first one
    refuses before anything changes."""
    started = context.config.attributes[STARTED_AT]
    target = context.get_revision_argument()
    steps = context.script.iterate_revisions(started, target, select_for_downgrade=True)
    if "0020" in {step.revision for step in steps}:
        refuse_person_alarms(op.get_bind())
