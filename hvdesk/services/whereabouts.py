"""Where a member of staff is, as far as hvdesk knows: the visits they have out, or their last
known place today.

A duress alarm raised from a text is about a person before it is about a visit: someone who texts
their safe word between visits, after coming back, before a visit booked later today, or with two
visits out must still be found. The alarm window, the messages to the escalation contacts and the
alarm's own reason say where to look from this, so every one of them says the same thing.

Reads only (the caller's Session); no service imports, so the outbox can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from hvdesk.clock import fmt_time, london, london_day_bounds
from hvdesk.models import Household, Staff, Visit, VisitStatus
from hvdesk.rules import deadlines as dl
from hvdesk.rules.validation import display_phone

NOT_PLACED = (VisitStatus.DRAFT.value, VisitStatus.REJECTED.value)


def tracked_clause() -> ColumnElement[bool]:
    """Out now. A visit cancelled while out (parents absent) is tracked until they are back."""
    return or_(
        Visit.status.in_(dl.ACTIVE),
        and_(
            Visit.status == VisitStatus.CANCELLED.value,
            Visit.departed_at.is_not(None),
            Visit.returned_at.is_(None),
        ),
    )


def _theirs(staff_id: int) -> ColumnElement[bool]:
    return or_(Visit.lead_staff_id == staff_id, Visit.companion_staff_id == staff_id)


def visits_out(session: Session, staff_id: int) -> list[Visit]:
    """The visits this person is out on now, oldest first."""
    return list(
        session.scalars(
            select(Visit)
            .where(tracked_clause(), _theirs(staff_id))
            .options(
                joinedload(Visit.household).selectinload(Household.risks),  # for the window
                joinedload(Visit.lead_staff),
                joinedload(Visit.companion_staff),
                joinedload(Visit.vehicle_staff),  # each visit's own car, as the sheet gives it
            )
            .order_by(Visit.id)
        ).unique()
    )


def visits_today(session: Session, staff_id: int, now: datetime) -> list[Visit]:
    """Their visits planned to leave on today's London date, in planned order."""
    start, end = london_day_bounds(london(now).date())
    return list(
        session.scalars(
            select(Visit)
            .where(
                _theirs(staff_id),
                Visit.planned_departure >= start,
                Visit.planned_departure < end,
                Visit.status.not_in(NOT_PLACED),
            )
            .options(joinedload(Visit.household))
            .order_by(Visit.planned_departure, Visit.id)
        ).unique()
    )


def place(visit: Visit) -> str:
    """'Clarke family, 14 Hill Street, B17 0AB': who and where, as a message may say it."""
    return f"{visit.household.name}, {visit.household.one_line_address}"


def last_known(today: list[Visit], now: datetime) -> str:
    """Where someone with no visit out was last known to be today, in one line for the office."""
    back = [v for v in today if v.returned_at is not None and v.returned_at <= now]
    ahead = [
        v
        for v in today
        if v.status in (VisitStatus.APPROVED.value, VisitStatus.AWAITING_APPROVAL.value)
        and v.planned_departure > now
    ]
    parts = []
    if back:
        last = max(back, key=lambda v: v.returned_at or now)
        parts.append(f"back from {place(last)} at {fmt_time(last.returned_at)}")
    if ahead:
        parts.append(f"next visit {place(ahead[0])} at {fmt_time(ahead[0].planned_departure)}")
    if not parts:
        return "no visit out and none recorded today"
    return "no visit out; last known: " + "; ".join(parts)


def out_on(visits: list[Visit]) -> str:
    """'2 visits out: Clarke family, 14 Hill Street, B17 0AB; Ahmed family, …'."""
    return f"{len(visits)} visits out: " + "; ".join(place(v) for v in visits)


@dataclass
class Whereabouts:
    """A person and where to look for them, for a duress alarm that has no one visit."""

    staff: Staff
    mobile: str  # as dialled in the UK, "" when none is on file
    visits: list[Visit] = field(default_factory=list)  # out now
    where: str = ""  # one line: the visits out, or the last known place today

    @property
    def name(self) -> str:
        return self.staff.name


def whereabouts(session: Session, staff_id: int, now: datetime) -> Whereabouts | None:
    """Where this person is as far as hvdesk knows now (None if there is no such person)."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        return None
    out = visits_out(session, staff_id)
    where = out_on(out) if len(out) > 1 else ""
    if len(out) == 1:
        where = f"out on {place(out[0])}"
    if not out:
        where = last_known(visits_today(session, staff_id, now), now)
    return Whereabouts(staff, display_phone(staff.mobile) if staff.mobile else "", out, where)
