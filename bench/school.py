"""A school with a decade of history for the benchmarks: the calendar bench's visits, and an
approval queue the size a real office has (a few dozen, not every future visit)."""

from __future__ import annotations

from sqlalchemy import select, update

from bench.bench_calendar import build_school
from hvdesk.db import Database
from hvdesk.models import Visit, VisitStatus

QUEUE = 20


def build_history(db: Database, visits: int, years: int = 10) -> int:
    made = build_school(db, visits, years)
    with db.transaction() as s:
        queue = select(Visit.id).where(Visit.status == VisitStatus.AWAITING_APPROVAL.value)
        keep = list(s.scalars(queue.order_by(Visit.start).limit(QUEUE)))
        s.execute(
            update(Visit)
            .where(Visit.status == VisitStatus.AWAITING_APPROVAL.value, Visit.id.notin_(keep))
            .values(status=VisitStatus.APPROVED.value)
        )
    return made
