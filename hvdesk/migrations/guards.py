"""Checks a downgrade makes before it changes anything.

A downgrade that is refused half way leaves the schema at neither revision (on SQLite each
revision commits on its own), so a refusal that belongs to an older revision is made at the start
of every newer revision's downgrade too.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def refuse_person_alarms(bind: Connection) -> None:
    """Refused while an alarm about a person exists: before 0020 an alarm needs a visit, and an
    older hvdesk could not show one raised with no visit out."""
    if bind.execute(sa.text("SELECT count(*) FROM alarm WHERE visit_id IS NULL")).scalar():
        raise RuntimeError(
            "This database holds duress alarms raised with no visit out; an older hvdesk cannot "
            "show them, so the schema was not downgraded."
        )
