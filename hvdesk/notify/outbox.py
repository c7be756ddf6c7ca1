"""The outbox: messages written in the same transaction as their cause, sent after commit.

Every function here takes the caller's Session, so an alarm and the texts it causes commit (or roll
back) together: a crash between them loses neither. Each message has a stable idempotency key
(cause, contact, channel); queueing the same key twice does nothing, so a hook and the escalation
clock may both ask for a message, on any seat, and it is queued once.

`alarm_changed` is the one hook the alarm service calls whenever an alarm is raised, becomes duress,
is taken or resolved; it asks the pure rules (hvdesk.rules.escalation_messages) who is due now.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hvdesk.events import EventKind
from hvdesk.models import (
    Alarm,
    AlarmLevel,
    Channel,
    EscalationContact,
    Event,
    InboundText,
    OutboxMessage,
    OutboxStatus,
    Setting,
    Visit,
)
from hvdesk.notify import config as notify_config
from hvdesk.notify import reach
from hvdesk.policy import PolicySettings
from hvdesk.rules import escalation as ladder
from hvdesk.rules import escalation_messages as em
from hvdesk.rules.deadlines import MERGED
from hvdesk.rules.text_actions import Outcome, alarm_code
from hvdesk.rules.validation import display_phone
from hvdesk.services.whereabouts import whereabouts


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    kind: str,
    key: str,
    now: datetime,
    recipient_name: str = "",
    alarm_id: int | None = None,
    visit_id: int | None = None,
    contact_id: int | None = None,
) -> OutboxMessage | None:
    """Queue one message in the caller's transaction; None when this key was queued before, or
    when it is a text to a number that sent STOP (kept as a failed row that says so: the gateway
    would refuse it, and the Notifications screen shows who was not told and why)."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return None
    stopped = channel == Channel.SMS.value and opted_out(session, recipient)
    row = OutboxMessage(
        channel=channel,
        recipient=recipient,
        recipient_name=recipient_name,
        subject=subject,
        body=body,
        kind=kind,
        idempotency_key=key,
        alarm_id=alarm_id,
        visit_id=visit_id,
        contact_id=contact_id,
        status=OutboxStatus.FAILED.value if stopped else OutboxStatus.QUEUED.value,
        last_error=OPTED_OUT if stopped else "",
        attempts=0,
        next_attempt_at=now,
        queued_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # another seat queued the same key a moment ago
            session.add(row)
    except IntegrityError:
        return None
    return None if stopped else row


OPTED_OUT = "not sent: this number opted out of texts (STOP); they text START to opt back in"


def opted_out(session: Session, number: str, before_id: int | None = None) -> bool:
    """The number's last STOP/START keyword was STOP: the gateway will not deliver to it.

    `before_id`: as things stood when that received text (by id) was recorded."""
    stmt = select(InboundText.outcome).where(
        InboundText.sender == number,
        InboundText.outcome.in_([Outcome.STOP.value, Outcome.START.value]),
    )
    if before_id is not None:
        stmt = stmt.where(InboundText.id <= before_id)
    last = session.scalars(stmt.order_by(InboundText.id.desc())).first()
    return last == Outcome.STOP.value


def to_person(
    session: Session,
    person: em.Person,
    *,
    kind: str,
    key: str,
    subject: str,
    body: str,
    now: datetime,
    alarm_id: int | None = None,
    visit_id: int | None = None,
) -> list[OutboxMessage]:
    """Queue one message per channel that is set up and the person has an address for."""
    ready = notify_config.load(session).channels_ready()
    addresses = {Channel.SMS.value: person.mobile, Channel.EMAIL.value: person.email}
    queued = []
    for channel in ready:
        if not addresses[channel]:
            continue
        row = enqueue(
            session,
            channel=channel,
            recipient=addresses[channel],
            recipient_name=person.name,
            subject=subject,
            body=body,
            kind=kind,
            key=f"{key}:{channel}",
            now=now,
            alarm_id=alarm_id,
            visit_id=visit_id,
            contact_id=person.contact_id,
        )
        if row is not None:
            queued.append(row)
    return queued


# --- facts from the database ------------------------------------------------------------------


def person(contact: EscalationContact) -> em.Person:
    return em.Person(contact.id, contact.name, contact.mobile, contact.email)


def responsible_of(visit: Visit) -> em.Person | None:
    """The visit's out-of-hours responsible person, while they are an active contact."""
    contact = visit.responsible_person
    return person(contact) if contact is not None and contact.active else None


def ladder_people(session: Session) -> list[em.Person]:
    rows = session.scalars(
        select(EscalationContact)
        .where(EscalationContact.active.is_(True), EscalationContact.on_ladder.is_(True))
        .order_by(EscalationContact.position, EscalationContact.id)
    )
    return [person(c) for c in rows]


def _policy(session: Session) -> PolicySettings:
    row = session.get(Setting, "policy")
    return PolicySettings.from_dict(row.value) if row else PolicySettings()


def visit_facts(session: Session, visit: Visit, policy: PolicySettings) -> em.VisitFacts:
    school = session.get(Setting, "school")
    phone = display_phone((school.value if school else {}).get("phone", "") or "")
    vehicle = visit.vehicle_staff or visit.lead_staff
    return em.VisitFacts(
        staff_names=[s.name for s in visit.staff],
        household=visit.household.name,
        address=visit.household.one_line_address,
        vehicle=vehicle.vehicle_text if vehicle is not None else "",
        expected_return=visit.expected_return,
        school=policy.school_name,
        office_phone=phone,
    )


def person_facts(
    session: Session, alarm: Alarm, policy: PolicySettings, now: datetime
) -> em.VisitFacts:
    """An alarm about a person with no one visit: their name and where to look, nothing else."""
    found = whereabouts(session, alarm.staff_id, now) if alarm.staff_id is not None else None
    school = session.get(Setting, "school")
    return em.VisitFacts(
        staff_names=[found.name] if found is not None else ["a member of staff"],
        household="",
        address="",
        school=policy.school_name,
        office_phone=display_phone((school.value if school else {}).get("phone", "") or ""),
        where=found.where if found is not None else "",
    )


def _duress_times(session: Session, alarm: Alarm) -> tuple[datetime | None, datetime | None]:
    """(when the duress began, when hvdesk learnt of it): a texted safe word's duress line is
    at the time it was sent, the alarm raised (or made duress) when hvdesk fetched it."""
    if alarm.level != AlarmLevel.DURESS.value:
        return None, None
    began: list[datetime] = []
    known: list[datetime] = []
    kinds = [EventKind.DURESS.value, EventKind.ESCALATION_STEP.value, EventKind.ALARM_RAISED.value]
    for e in session.scalars(
        select(Event).where(Event.alarm_id == alarm.id, Event.kind.in_(kinds))
    ):
        data = e.data or {}
        if e.kind == EventKind.DURESS or (
            e.kind == EventKind.ESCALATION_STEP and data.get("escalate")
        ):
            began.append(e.at)
        elif e.kind == EventKind.ALARM_RAISED and data.get("kind") == "duress":
            known.append(e.at)
    return min(began, default=alarm.raised_at), min(known, default=None)


def alarm_facts(session: Session, alarm: Alarm) -> em.AlarmFacts:
    duress_at, duress_known_at = _duress_times(session, alarm)
    return em.AlarmFacts(
        alarm_id=alarm.id,
        raised_at=alarm.raised_at,
        drill=alarm.drill,
        duress_at=duress_at,
        duress_known_at=duress_known_at,
        taken_at=alarm.acknowledged_at,
        taken_by=alarm.acknowledged_by,
        resolved_at=alarm.resolved_at,
        resolved_by=alarm.resolved_by,
        merged=alarm.resolution == MERGED,
    )


@dataclass
class Told:
    alarm: set[int]
    handled: set[int]


def told(session: Session, alarm_id: int, since: datetime | None = None) -> Told:
    stmt = select(OutboxMessage.kind, OutboxMessage.contact_id).where(
        OutboxMessage.alarm_id == alarm_id
    )
    if since is not None:
        stmt = stmt.where(OutboxMessage.queued_at >= since)
    rows = session.execute(stmt)
    result = Told(set(), set())
    for kind, contact_id in rows:
        if contact_id is None:
            continue
        (result.handled if kind == em.HANDLED else result.alarm).add(contact_id)
    return result


@dataclass(frozen=True)
class LadderRound:
    """Where the alarm's ladder stands: a lapse that became duress starts it again."""

    facts: em.AlarmFacts
    told: Told
    key_suffix: str  # keeps the new round's messages apart from the first round's


def ladder_round(session: Session, alarm: Alarm) -> LadderRound:
    """The current round of the escalation ladder for this alarm.

    An alarm raised as duress has one round. A lapse upgraded to duress starts a second at the
    duress: everyone is told again at once that it is now duress, even those already told it was
    'handled by' someone, since that person was handling a missed call, not an emergency."""
    facts = alarm_facts(session, alarm)
    if facts.duress_at is None or facts.duress_at <= facts.raised_at:
        return LadderRound(facts, told(session, alarm.id), "")
    return LadderRound(
        replace(facts, raised_at=facts.duress_at),
        told(session, alarm.id, since=facts.duress_at),
        ":duress",
    )


# --- the hook -----------------------------------------------------------------------------------


def alarm_changed(session: Session, alarm: Alarm, now: datetime) -> list[OutboxMessage]:
    """Queue whatever this alarm owes people now (in the caller's transaction)."""
    if alarm.resolution == MERGED:
        return []
    session.flush()
    visit = session.get(Visit, alarm.visit_id) if alarm.visit_id is not None else None
    policy = _policy(session)
    current = ladder_round(session, alarm)
    facts, already = current.facts, current.told
    responsible = responsible_of(visit) if visit is not None else None
    people = ladder_people(session)
    every = timedelta(minutes=policy.escalate_after_min)
    notices = em.due(facts, people, responsible, already.alarm, already.handled, now, every)
    config = notify_config.load(session)
    reach.check(session, config, facts, notices, bool(people or responsible), now, every)
    if not notices:
        return []
    about = (
        visit_facts(session, visit, policy)
        if visit is not None
        else person_facts(session, alarm, policy, now)
    )
    two_way = config.sms_provider == "twilio"  # replies are fetched
    queued: list[OutboxMessage] = []
    for notice in notices:
        if notice.kind == em.HANDLED:
            subject, body = em.handled_message(
                about, by=facts.handled_by, at=notice.due_at, drill=alarm.drill
            )
        else:
            subject, body = em.alarm_message(
                about,
                reason=alarm.reason,
                overdue_since=alarm.due_at,
                step=alarm.step,
                step_title=ladder.step_title(alarm.step, policy),
                drill=alarm.drill,
                duress=facts.duress_at is not None,
                duress_since=facts.duress_at,
                duress_reached=facts.duress_known_at,
                responsible=responsible is not None
                and notice.person.contact_id == responsible.contact_id,
                take_code=alarm_code(alarm.id) if two_way else "",
            )
        queued += to_person(
            session,
            notice.person,
            kind=notice.kind,
            key=f"{notice.kind}:{alarm.id}:{notice.person.contact_id}{current.key_suffix}",
            subject=subject,
            body=body,
            now=now,
            alarm_id=alarm.id,
            visit_id=alarm.visit_id,
        )
    return queued


def departed(session: Session, visit: Visit, now: datetime) -> list[OutboxMessage]:
    """An out-of-hours visit left: its responsible contact is told, with when they are due back."""
    contact = visit.responsible_person
    if contact is None or not contact.active:
        return []
    policy = _policy(session)
    subject, body = em.departure_message(
        visit_facts(session, visit, policy), departed_at=now, contact_name=contact.name
    )
    return to_person(
        session,
        person(contact),
        kind=em.DEPARTED,
        key=f"{em.DEPARTED}:{visit.id}:{contact.id}",
        subject=subject,
        body=body,
        now=now,
        visit_id=visit.id,
    )
