"""Incidents: recorded at once with whatever is known, completed later, acknowledged by the head.

St Hugh's: 'any incidents ... must be recorded and reported to the Executive Headteacher'; Harborne:
incidents are reported to the headteacher straight away. So saving needs only what happened; time,
place, people, what was said and done, injuries, police reference and witnesses can follow. A new
incident stays on the head's Today list until an approver acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hvdesk.clock import fmt_datetime
from hvdesk.errors import Collector, NotAllowed, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import Alarm, Household, Incident, Role, Visit
from hvdesk.rules import validation as v
from hvdesk.services.base import Actor, Service
from hvdesk.services.whereabouts import whereabouts

HEAD_ROLES = (Role.APPROVER.value, Role.ADMIN.value)


@dataclass
class IncidentInput:
    what: str = ""
    occurred_at: datetime | None = None  # defaults to now
    place: str = ""
    people: str = ""
    said_and_done: str = ""
    injuries: str = ""
    police_reference: str = ""
    witnesses: str = ""
    follow_up: str = ""
    visit_id: int | None = None
    alarm_id: int | None = None
    household_id: int | None = None


TEXT_FIELDS = {
    "place": "Place",
    "people": "People involved",
    "said_and_done": "What was said and done",
    "injuries": "Injuries",
    "witnesses": "Witnesses",
    "follow_up": "Follow-up",
}


@dataclass(frozen=True)
class IncidentRow:
    """An incident as lists and the printed report show it (plain data, no session needed)."""

    id: int
    what: str
    occurred_at: datetime
    reported_by: str
    recorded_at: datetime
    place: str
    people: str
    said_and_done: str
    injuries: str
    police_reference: str
    witnesses: str
    follow_up: str
    visit_id: int | None
    alarm_id: int | None
    household: str
    address: str
    acknowledged_by: str
    acknowledged_at: datetime | None
    updated_at: datetime | None

    @property
    def missing(self) -> list[str]:
        """What is still to be completed, in words."""
        names = {**TEXT_FIELDS, "police_reference": "Police reference"}
        return [
            label for key, label in names.items() if key != "follow_up" and not getattr(self, key)
        ]


FUTURE_SLACK = timedelta(minutes=5)  # a PC clock a little behind the one on the wall


def _clean(data: IncidentInput, now: datetime) -> IncidentInput:
    errors = Collector()
    what = errors.check("What happened", lambda x, f: v.required(x, f, 4000), data.what)
    if data.occurred_at is not None and data.occurred_at > now + FUTURE_SLACK:
        errors.add(
            "When",
            f"{fmt_datetime(data.occurred_at)} is in the future; give the time it happened "
            f"(now is {fmt_datetime(now)})",
        )
    for key, label in TEXT_FIELDS.items():
        errors.check(label, v.optional_text, getattr(data, key))
    errors.check("Police reference", lambda x, f: v.optional_text(x, f, 60), data.police_reference)
    errors.raise_if_any()
    data.what = what or ""
    for key in (*TEXT_FIELDS, "police_reference"):
        setattr(data, key, getattr(data, key).strip())
    return data


_JOINED = ("household", "address")


def _row(session: Session, incident: Incident) -> IncidentRow:
    household = session.get(Household, incident.household_id) if incident.household_id else None
    own = {f.name: getattr(incident, f.name) for f in fields(IncidentRow) if f.name not in _JOINED}
    return IncidentRow(
        **own,
        household=household.name if household else "",
        address=household.one_line_address if household else "",
    )


def _from_alarm(session: Session, data: IncidentInput, alarm_id: int) -> int | None:
    """The alarm's visit, and what the alarm already knows. An alarm about a person (their safe
    word with no one visit out) gives who it was and where they were last known, so the record
    is not saved with a blank place and nobody named."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound(f"No alarm with id {alarm_id}")
    if not data.police_reference and alarm.police_reference:
        data.police_reference = alarm.police_reference
    if alarm.visit_id is None and alarm.staff_id is not None:
        found = whereabouts(session, alarm.staff_id, alarm.raised_at)
        if found is not None:
            data.people = data.people or found.name
            data.place = data.place or found.where
    return alarm.visit_id


class IncidentService(Service):
    def record(self, actor: Actor, data: IncidentInput) -> IncidentRow:
        """Save at once with whatever is known; the visit or alarm it came from fills the rest."""
        now = self.clock.now()
        data = _clean(data, now)
        with self.db.transaction() as session:
            visit_id, household_id = data.visit_id, data.household_id
            if data.alarm_id is not None:
                visit_id = visit_id or _from_alarm(session, data, data.alarm_id)
            if visit_id is not None:
                visit = session.get(Visit, visit_id)
                if visit is None:
                    raise NotFound(f"No visit with id {visit_id}")
                household_id = household_id or visit.household_id
                if not data.place:
                    data.place = visit.household.one_line_address
                if not data.people:
                    data.people = visit.staff_names
            elif household_id is not None:  # recorded from the menu, about a household
                household = session.get(Household, household_id)
                if household is None:
                    raise NotFound(f"No household with id {household_id}")
                if not data.place:
                    data.place = household.one_line_address
            incident = Incident(
                what=data.what,
                occurred_at=data.occurred_at or now,
                reported_by=actor.name,
                recorded_at=now,
                visit_id=visit_id,
                alarm_id=data.alarm_id,
                household_id=household_id,
                **{k: getattr(data, k) for k in (*TEXT_FIELDS, "police_reference")},
            )
            session.add(incident)
            session.flush()
            self.audit(
                session,
                actor,
                EventKind.INCIDENT_RECORDED,
                data.what[:120],
                visit_id=visit_id,
                household_id=household_id,
                alarm_id=data.alarm_id,
                data={"incident_id": incident.id},
            )
            return _row(session, incident)

    def household_choices(self) -> list[tuple[int, str]]:
        """(id, 'Name, address') for each active household: what an incident from the menu may
        be about, so it appears on that household's timeline."""
        with self.db.read() as session:
            return [
                (h.id, f"{h.name}, {h.one_line_address}")
                for h in session.scalars(
                    select(Household).where(Household.active.is_(True)).order_by(Household.name)
                )
            ]

    def complete(self, actor: Actor, incident_id: int, data: IncidentInput) -> IncidentRow:
        """Add what has become known since (changes are audited field by field)."""
        data = _clean(data, self.clock.now())
        with self.db.transaction() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise NotFound(f"No incident with id {incident_id}")
            changed: dict[str, list[str]] = {}
            for key in ("what", *TEXT_FIELDS, "police_reference"):
                new = getattr(data, key)
                if new != getattr(incident, key):
                    changed[key] = [getattr(incident, key), new]
                    setattr(incident, key, new)
            if data.occurred_at is not None and data.occurred_at != incident.occurred_at:
                changed["occurred_at"] = [
                    incident.occurred_at.isoformat(),
                    data.occurred_at.isoformat(),
                ]
                incident.occurred_at = data.occurred_at
            if changed:
                incident.updated_at = self.clock.now()
                self.audit(
                    session,
                    actor,
                    EventKind.INCIDENT_UPDATED,
                    ", ".join(changed),
                    visit_id=incident.visit_id,
                    household_id=incident.household_id,
                    data={"incident_id": incident.id, "changed": changed},
                )
            return _row(session, incident)

    def acknowledge(self, actor: Actor, incident_id: int) -> IncidentRow:
        """The head has seen it: it leaves the Today list (approvers and admins only)."""
        if actor.role not in HEAD_ROLES:
            raise NotAllowed(
                "Only an approver (e.g. the headteacher) can acknowledge an incident; it stays on "
                "their Today list until they do."
            )
        with self.db.transaction() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise NotFound(f"No incident with id {incident_id}")
            if incident.acknowledged_at is not None:
                raise StateError(
                    f"Incident {incident_id} was already acknowledged by {incident.acknowledged_by}"
                )
            incident.acknowledged_by = actor.name
            incident.acknowledged_at = self.clock.now()
            self.audit(
                session,
                actor,
                EventKind.INCIDENT_ACKNOWLEDGED,
                incident.what[:120],
                visit_id=incident.visit_id,
                household_id=incident.household_id,
                data={"incident_id": incident.id},
            )
            return _row(session, incident)

    def get(self, incident_id: int) -> IncidentRow:
        with self.db.read() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise NotFound(f"No incident with id {incident_id}")
            return _row(session, incident)

    def list(self, *, unacknowledged: bool = False) -> list[IncidentRow]:
        with self.db.read() as session:
            stmt = select(Incident).order_by(Incident.occurred_at.desc(), Incident.id.desc())
            if unacknowledged:
                stmt = stmt.where(Incident.acknowledged_at.is_(None))
            return [_row(session, i) for i in session.scalars(stmt)]

    def report_pdf(self, actor: Actor, incident_id: int) -> bytes:
        """The printed incident report; the print is audited once the PDF exists."""
        from hvdesk.printing import incident_report
        from hvdesk.printing.base import render
        from hvdesk.services.printing import PrintService

        incident = self.get(incident_id)
        ctx = PrintService(self.db, self.clock).context()
        pdf, pages = render(
            incident_report.build(incident, ctx.policy.approver_title),
            ctx.letterhead,
            incident_report.TITLE,
            confidential=True,
        )
        with self.db.transaction() as session:
            self.audit(
                session,
                actor,
                EventKind.PRINTED.value,
                incident_report.TITLE,
                visit_id=incident.visit_id,
                data={"form": "incident-report", "pages": pages, "incident_id": incident.id},
            )
        return pdf
