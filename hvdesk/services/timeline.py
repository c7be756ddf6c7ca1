"""A household's timeline: every visit, outcome, agreement, letter, incident and attendance flag in
order, so whoever picks up a family sees the whole story in one place. One read, plain rows back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hvdesk.clock import fmt_datetime
from hvdesk.events import EventKind, label
from hvdesk.models import (
    Agreement,
    AttendanceNote,
    Event,
    Household,
    Incident,
    Outcome,
    Pupil,
    Visit,
)
from hvdesk.services.attendance import AttendanceService
from hvdesk.services.base import Service

LETTER_FORMS = {
    "appointment-letter",
    "sorry-slip",
    "cancellation-letter",
    "agreement-reminder",
    "safety-cancellation",
}
EVENT_KINDS = {
    EventKind.CANCELLED.value,
    EventKind.FAMILY_TOLD.value,
    EventKind.SOCIAL_WORKER_NOT_YET.value,
    EventKind.SOCIAL_WORKER_INFORMED.value,
    EventKind.AGREEMENT_KEPT.value,
    EventKind.AGREEMENT_BROKEN.value,
    EventKind.AGREEMENT_WITHDRAWN.value,
    EventKind.ATTENDANCE_BOOKED.value,
    EventKind.ATTENDANCE_DISMISSED.value,
    EventKind.ALARM_RAISED.value,
    EventKind.INCIDENT_ACKNOWLEDGED.value,
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str  # 'Visit', 'Outcome', 'Agreement', 'Letter', 'Incident', 'Attendance', or an event
    text: str
    who: str = ""
    visit_id: int | None = None


class TimelineService(Service):
    def household(self, household_id: int) -> list[TimelineEntry]:
        """The household's whole story, oldest first (what happened at one moment in the order
        below: visit, outcome, agreement, incident, event, attendance note, suggestion)."""
        with self.db.read() as session:
            household = session.get(Household, household_id)
            if household is None:
                return []
            visits = {
                v.id: v
                for v in session.scalars(select(Visit).where(Visit.household_id == household_id))
            }
            out = _visits(visits)
            out += _outcomes(session, visits)
            out += _agreements(session, household_id)
            out += _incidents(session, household_id, visits)
            out += _events(session, household_id, visits)
            out += _attendance_notes(session, household_id)
        out += self._suggested(household_id)
        out.sort(key=lambda e: e.at)
        return out

    def _suggested(self, household_id: int) -> list[TimelineEntry]:
        """Visits the attendance marks suggest now, shown at 'now'."""
        out: list[TimelineEntry] = []
        now = self.clock.now()
        for s in AttendanceService(self.db, self.clock).suggestions():
            if s.household_id == household_id:
                out.append(
                    TimelineEntry(
                        now, "Attendance", f"{s.pupil_name}: {s.reason} (suggested visit)"
                    )
                )
        return out


def _visits(visits: dict[int, Visit]) -> list[TimelineEntry]:
    """Each visit at its start: purpose, who went, its state."""
    out = [
        TimelineEntry(
            v.start,
            "Visit",
            f"{v.purpose_label} with {v.staff_names} ({v.status.replace('_', ' ')})",
            visit_id=v.id,
        )
        for v in visits.values()
    ]
    return out


def _outcomes(session: Session, visits: dict[int, Visit]) -> list[TimelineEntry]:
    """What each visit found (or that nobody was home)."""
    out: list[TimelineEntry] = []
    for o in session.scalars(select(Outcome).where(Outcome.visit_id.in_(list(visits)))):
        text = "Nobody home" if o.nobody_home else o.summary
        out.append(TimelineEntry(o.recorded_at, "Outcome", text, o.recorded_by, o.visit_id))
    return out


def _agreements(session: Session, household_id: int) -> list[TimelineEntry]:
    """Agreements made with the family, open or how they ended."""
    out: list[TimelineEntry] = []
    for a in session.scalars(select(Agreement).where(Agreement.household_id == household_id)):
        state = "open" if a.status == "open" else f"{a.status} ({a.closed_by})"
        out.append(
            TimelineEntry(
                a.created_at,
                "Agreement",
                f"{a.what}, by {a.due:%d/%m/%Y}: {state}",
                visit_id=a.visit_id,
            )
        )
    return out


def _incidents(
    session: Session, household_id: int, visits: dict[int, Visit]
) -> list[TimelineEntry]:
    """Incidents at the address or on its visits, and whether the head has seen them."""
    out: list[TimelineEntry] = []
    for i in session.scalars(
        select(Incident).where(
            or_(Incident.household_id == household_id, Incident.visit_id.in_(list(visits)))
        )
    ):
        seen = (
            f" (seen by {i.acknowledged_by})"
            if i.acknowledged_at
            else " (not yet seen by the head)"
        )
        out.append(
            TimelineEntry(i.occurred_at, "Incident", i.what + seen, i.reported_by, i.visit_id)
        )
    return out


def _events(session: Session, household_id: int, visits: dict[int, Visit]) -> list[TimelineEntry]:
    """The audit trail's events that tell the family's story, letters printed among them."""
    out: list[TimelineEntry] = []
    events = session.scalars(
        select(Event).where(
            or_(Event.household_id == household_id, Event.visit_id.in_(list(visits))),
            Event.kind.in_([*EVENT_KINDS, EventKind.PRINTED.value]),
        )
    )
    for e in events:
        if e.kind == EventKind.PRINTED.value:
            if (e.data or {}).get("form") not in LETTER_FORMS:
                continue
            out.append(TimelineEntry(e.at, "Letter", e.note, e.user_name, e.visit_id))
        else:
            out.append(TimelineEntry(e.at, label(e.kind), e.note, e.user_name, e.visit_id))
    return out


def _attendance_notes(session: Session, household_id: int) -> list[TimelineEntry]:
    """Notes on the pupils' attendance records."""
    out: list[TimelineEntry] = []
    pupils = {
        p.id: p.name
        for p in session.scalars(select(Pupil).where(Pupil.household_id == household_id))
    }
    for n in session.scalars(
        select(AttendanceNote).where(AttendanceNote.pupil_id.in_(list(pupils)))
    ):
        out.append(
            TimelineEntry(
                n.created_at, "Attendance", f"{pupils[n.pupil_id]}: {n.note}", n.created_by
            )
        )
    return out


def timeline_text(entries: list[TimelineEntry]) -> list[str]:
    return [f"{fmt_datetime(e.at)}  {e.what}: {e.text}" for e in entries]
