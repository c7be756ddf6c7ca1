"""Texts in from the field: each one recorded once, acted on by the rules, answered via the outbox.

One text is one transaction: the text row (unique gateway reference, so two monitors polling one
gateway record it once), what it did to the visit or alarm, its audit Event ("by text from 07700
900123") and the reply queued in the outbox all commit together, or not at all.

Who sent it decides what it may do:
- staff (their mobile on the Staff screen or their lone working assessment): check-ins and the
  like with their PIN; their safe word, or the school's duress word, anywhere raises duress at once
  with an innocent reply;
- an escalation contact: TAKE <alarm code> for an alarm they were sent; OK from the out-of-hours
  responsible contact of a visit today confirms they are monitoring it;
- anyone else: logged and never acted on or answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import phonenumbers
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from hvdesk.clock import fmt_datetime, fmt_time, london, london_day_bounds
from hvdesk.events import EventKind
from hvdesk.models import (
    Alarm,
    AlarmLevel,
    Channel,
    EscalationContact,
    Event,
    InboundText,
    LoneWorkingAssessment,
    OutboxMessage,
    Staff,
    Visit,
    VisitStatus,
)
from hvdesk.notify import config as notify_config
from hvdesk.notify import outbox
from hvdesk.notify.channels import Inbound
from hvdesk.policy import PolicySettings
from hvdesk.rules import deadlines as dl
from hvdesk.rules import escalation_messages as em
from hvdesk.rules import text_actions as ta
from hvdesk.rules.text_actions import Action, Outcome, VisitChoice, alarm_code
from hvdesk.rules.texts import Command, ParsedText, mentions, parse, redact
from hvdesk.rules.validation import display_phone
from hvdesk.services import whereabouts as where
from hvdesk.services.alarms import AlarmService, StaffRaise
from hvdesk.services.base import SYSTEM, Actor, Service
from hvdesk.services.lone_working import pin_matches
from hvdesk.services.settings import SettingsService
from hvdesk.services.tracker import TRACKED_KINDS, Board, needs_parent

REPLY_KIND = "text_reply"


@dataclass(frozen=True)
class Handled:
    """What one text did (for the poller's log and the tests)."""

    text_id: int
    outcome: str
    reply: str
    visit_id: int | None = None
    alarm_id: int | None = None


def e164(number: str) -> str:
    """The sender as E.164 (+447700900123); the gateway's own form when it cannot be read."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return number.strip()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class TextRow:
    """One received text as the office may see it: PINs and safe words already hidden."""

    id: int
    sent_at: datetime
    received_at: datetime
    sender: str  # as dialled in the UK
    who: str  # staff member, escalation contact, or "unknown number"
    outcome: str
    text: str
    reply: str
    visit_id: int | None
    alarm_id: int | None = None  # the alarm it raised or took: its number is asked for in print


OUTCOME_WORDS = {
    Outcome.RECORDED: "Recorded",
    Outcome.DURESS: "DURESS raised",
    Outcome.DURESS_NO_VISIT: "DURESS: no visit today, no alarm: ring them",
    Outcome.WRONG_PIN: "Wrong PIN",
    Outcome.NO_PIN: "No PIN",
    Outcome.NOT_OUT: "No visit out",
    Outcome.ASK_WHICH: "Asked which visit",
    Outcome.REFUSED: "Refused",
    Outcome.HELP: "Help sent",
    Outcome.TAKEN: "Alarm taken",
    Outcome.TAKE_REFUSED: "TAKE refused",
    Outcome.CONFIRMED: "Contact confirmed",
    Outcome.STOP: "STOP (opted out)",
    Outcome.START: "START (opted in)",
    Outcome.UNKNOWN_SENDER: "Unknown number: ignored",
}


@dataclass
class _Text:
    """One text being handled inside its transaction."""

    session: Session
    row: InboundText
    parsed: ParsedText
    body: str
    sender: str  # E.164
    at: datetime  # when it speaks for (sent time)
    now: datetime
    policy: PolicySettings
    pin_ok: bool | None  # the PIN given matches the sender's; None: no PIN given or none set
    replied: bool = False  # the answer is already queued

    @property
    def number(self) -> str:
        """The sender as dialled in the UK (as the gateway gave it when not a UK number)."""
        return display_phone(self.sender) or self.sender

    @property
    def shown_from(self) -> str:
        return f"by text from {self.number}"

    @property
    def shown_from_when(self) -> str:
        """'by text from 07700 900123 (sent 10:02, reached hvdesk 10:09)' when the gateway held
        it: an event at the sent time then explains itself beside a later alarm."""
        delay = ta.delay_note(self.at, self.now)
        return self.shown_from + (f" ({delay})" if delay else "")


class InboundTextService(Service):
    def policy(self) -> PolicySettings:
        return SettingsService(self.db, self.clock).policy()

    def known(self, references: list[str]) -> set[str]:
        """Which of these gateway references are recorded already (one read, no PIN checks)."""
        if not references:
            return set()
        with self.db.read() as session:
            return set(
                session.scalars(
                    select(InboundText.provider_ref).where(InboundText.provider_ref.in_(references))
                )
            )

    def process(self, message: Inbound) -> Handled | None:
        """Record and act on one received text; None if it was recorded before (any monitor)."""
        parsed = parse(message.body)
        sender = e164(message.sender)
        pin_ok = self._pin_ok(sender, parsed)  # slow by design: kept out of the write
        try:
            return self._process(message, parsed, sender, pin_ok)
        except StaleDataError:  # an office seat changed the visit at that moment: once more
            return self._process(message, parsed, sender, pin_ok)

    def _process(
        self, message: Inbound, parsed: ParsedText, sender: str, pin_ok: bool | None
    ) -> Handled | None:
        policy = self.policy()
        now = self.clock.now()
        try:
            with self.db.transaction() as session:
                if session.scalar(
                    select(InboundText.id).where(InboundText.provider_ref == message.reference)
                ):
                    return None
                row = InboundText(
                    provider_ref=message.reference,
                    sender=sender,
                    sent_at=ta.recorded_at(message.received_at, now),
                    received_at=now,
                )
                session.add(row)
                session.flush()  # claims the text: a second poller stops here
                text = _Text(
                    session, row, parsed, message.body, sender, row.sent_at, now, policy, pin_ok
                )
                self._handle(text)
                row.command = text.parsed.command.value
                if row.reply and not outbox.opted_out(session, sender, row.id):
                    self._queue_reply(text)
                return Handled(row.id, row.outcome, row.reply, row.visit_id, row.alarm_id)
        except IntegrityError:
            return None

    def _pin_ok(self, sender: str, parsed: ParsedText) -> bool | None:
        """Check the PIN before the write transaction: argon2 takes a while on purpose."""
        if not parsed.needs_pin or not parsed.pin:
            return None
        with self.db.read() as session:
            staff = _staff_by_mobile(session, sender)
            assessment = _assessment(session, staff.id) if staff is not None else None
        if assessment is None or not assessment.pin_hash:
            return None
        return pin_matches(assessment.pin_hash, parsed.pin)

    def recent(self, limit: int = 200) -> list[TextRow]:
        """The latest texts received, newest first, for the Notifications screen and the CLI."""
        with self.db.read() as session:
            rows = session.execute(
                select(InboundText, Staff.name, EscalationContact.name)
                .outerjoin(Staff, Staff.id == InboundText.staff_id)
                .outerjoin(EscalationContact, EscalationContact.id == InboundText.contact_id)
                .order_by(InboundText.id.desc())
                .limit(max(1, limit))
            ).all()
        return [
            TextRow(
                t.id,
                t.sent_at,
                t.received_at,
                display_phone(t.sender) or t.sender,
                staff or contact or "unknown number",
                _outcome_words(t),
                t.body_shown,
                t.reply,
                t.visit_id,
                t.alarm_id,
            )
            for t, staff, contact in rows
        ]

    # --- who sent it ------------------------------------------------------------------------
    def _handle(self, text: _Text) -> None:
        staff = _staff_by_mobile(text.session, text.sender)
        contact = _contact_by_mobile(text.session, text.sender)
        words = _secret_words(text.session, staff, text.policy)
        text.row.body_shown = redact(text.body, words)
        text.row.staff_id = staff.id if staff else None
        text.row.contact_id = contact.id if contact else None
        command = text.parsed.command
        if staff is not None and mentions(text.body, words):
            return self._duress(text, staff)
        if command in (Command.STOP, Command.START) and (staff or contact):
            return self._opt(text, command)
        if command is Command.TAKE and contact is not None:
            return self._take(text, contact)
        responsible = command is Command.OK and contact is not None and not text.parsed.pin
        if responsible and contact is not None and self._confirm_responsible(text, contact):
            return None
        if staff is not None:
            return self._from_staff(text, staff)
        if contact is not None:
            return self._finish(text, Outcome.HELP, _contact_help(), note="not a command")
        return self._unknown(text)

    def _finish(
        self,
        text: _Text,
        outcome: Outcome,
        reply: str,
        *,
        note: str = "",
        visit_id: int | None = None,
        actor: Actor = SYSTEM,
    ) -> None:
        """Record what the text did, with its one audit Event when nothing else recorded it."""
        text.row.outcome = outcome.value
        text.row.reply = reply
        text.row.visit_id = visit_id if visit_id is not None else text.row.visit_id
        if note:
            self.audit(
                text.session,
                actor,
                EventKind.TEXT_RECEIVED,
                f"Text from {text.number}: {note}",
                visit_id=text.row.visit_id,
                staff_id=text.row.staff_id,
                at=text.now,
                data=_data(text),
            )

    def _unknown(self, text: _Text) -> None:
        self._finish(
            text,
            Outcome.UNKNOWN_SENDER,
            "",
            note=f"'{text.row.body_shown[:60]}' from a number hvdesk does not know: not acted on",
        )

    def _opt(self, text: _Text, command: Command) -> None:
        stop = command is Command.STOP
        self._finish(
            text,
            Outcome.STOP if stop else Outcome.START,
            "" if stop else "hvdesk: texts to this number are back on.",
            note="STOP: no more texts to this number until START"
            if stop
            else "START: texts to this number are back on",
        )

    # --- duress -----------------------------------------------------------------------------
    def _duress(self, text: _Text, staff: Staff) -> None:
        """The safe word always raises duress at once, wherever hvdesk thinks they are.

        On their one visit out (or the visit of today they have left on unmarked) as the office
        Duress button does; otherwise one alarm about the person, naming their visits out or
        where they were last known, so nobody waits for 'which one?' and nothing is ignored."""
        visit, out = _alarm_visit(text.session, staff.id, text.now)
        actor = Actor(None, staff.name)
        alarms = AlarmService(self.db, self.clock)
        why = f"safe word {text.shown_from_when}"
        if visit is not None:
            why += "" if out else NOT_MARKED_OUT
            alarm = alarms.raise_duress(
                text.session, actor, visit.id, why, text.now, tracked_only=False, said_at=text.at
            )
            text.row.visit_id = visit.id
        else:
            alarm = alarms.raise_for_staff(
                text.session, actor, _about_staff(text, staff, AlarmLevel.DURESS, why), text.now
            )
        text.row.alarm_id = alarm.id
        self._finish(text, Outcome.DURESS, ta.INNOCENT_REPLY, actor=actor)

    # --- staff ------------------------------------------------------------------------------
    def _from_staff(self, text: _Text, staff: Staff) -> None:
        parsed = text.parsed
        actor = Actor(None, staff.name)
        if not parsed.needs_pin:
            helpful = parsed.problem and parsed.command is not Command.HELP  # e.g. TAKE, no code
            reply = f"hvdesk: {parsed.problem}" if helpful else ta.HELP_REPLY
            return self._finish(text, Outcome.HELP, reply, note="help sent", actor=actor)
        if parsed.problem:
            reply = f"hvdesk: {parsed.problem} Nothing was recorded."
            return self._finish(text, Outcome.HELP, reply, note=parsed.problem, actor=actor)
        assessment = _assessment(text.session, staff.id)
        pin_hash = assessment.pin_hash if assessment is not None else ""
        if not parsed.pin or not pin_hash:
            reply = (
                ta.NO_PIN_REPLY.format(example=f"{parsed.command.value.upper()} 1234")
                if pin_hash
                else "hvdesk: you have no texting PIN yet, so nothing was recorded. Ring the "
                "office; ask them to set one on your lone working assessment."
            )
            return self._finish(
                text, Outcome.NO_PIN, reply, note="no PIN: not acted on", actor=actor
            )
        if not text.pin_ok:
            return self._wrong_pin(text, staff, actor)
        visits = where.visits_out(text.session, staff.id)
        if not visits:
            return self._finish(
                text, Outcome.NOT_OUT, ta.NOT_OUT_REPLY, note="no visit out", actor=actor
            )
        choices = [VisitChoice(v.id, v.household.name) for v in visits]
        chosen = ta.choose_visit(choices, parsed.words)
        if chosen is None:
            reply = ta.ask_which_reply(choices, parsed.command.value)
            return self._finish(
                text,
                Outcome.ASK_WHICH,
                reply,
                note=f"{len(visits)} visits out: asked which",
                actor=actor,
            )
        visit = next(v for v in visits if v.id == chosen.visit_id)
        if ta.sent_before_departure(text.at, visit.departed_at):
            return self._too_old(text, visit, actor)
        return self._record(text, visit, actor)

    def _too_old(self, text: _Text, visit: Visit, actor: Actor) -> None:
        """A text the gateway held since before this visit left: logged, never acted on."""
        assert visit.departed_at is not None
        self._finish(
            text,
            Outcome.REFUSED,
            ta.too_old_reply(text.at, visit.departed_at),
            note=f"{text.parsed.command.value.upper()} sent {fmt_datetime(text.at)}, before the "
            f"visit left at {fmt_time(visit.departed_at)}: too old, not acted on",
            visit_id=visit.id,
            actor=actor,
        )

    def _wrong_pin(self, text: _Text, staff: Staff, actor: Actor) -> None:
        earlier = text.session.execute(
            select(InboundText.outcome, InboundText.sent_at, InboundText.alarm_id)
            .where(
                InboundText.staff_id == staff.id,
                InboundText.id != text.row.id,
                InboundText.sent_at >= text.at - ta.WRONG_PIN_WINDOW,
            )
            .order_by(InboundText.id.desc())
            .limit(50)
        ).all()
        streak = ta.wrong_pin_streak(
            [ta.EarlierText(o, at, alarm_id is not None) for o, at, alarm_id in earlier], text.at
        )
        note = f"wrong PIN ({streak} in a row)"
        if ta.raises_possible_duress(streak):
            visit, out = _alarm_visit(text.session, staff.id, text.now)
            why = f"Possible duress: {streak} wrong PINs in a row {text.shown_from}"
            alarms = AlarmService(self.db, self.clock)
            if visit is not None:
                reason = f"{why} — ring {staff.name} now" + ("" if out else NOT_MARKED_OUT)
                alarm = alarms.raise_possible_duress(
                    text.session, SYSTEM, visit.id, reason, text.now
                )
                text.row.visit_id = visit.id
            else:
                about = _about_staff(text, staff, AlarmLevel.AMBER, why)
                alarm = alarms.raise_for_staff(text.session, SYSTEM, about, text.now)
            text.row.alarm_id = alarm.id
        self._finish(text, Outcome.WRONG_PIN, ta.WRONG_PIN_REPLY, note=note, actor=actor)

    def _record(self, text: _Text, visit: Visit, actor: Actor) -> None:
        action = ta.visit_action(text.parsed.command, visit)
        assert action is not None  # every visit command acts on a visit that is out
        session, at = text.session, text.at
        ask_parent = ""
        if action is Action.ARRIVE and needs_parent(text.policy, visit.purpose):
            # Thomas More, as the on-screen Arrived button: in only with a parent or carer there.
            present = ta.parent_present_answer(text.parsed.words)
            if present is False:
                return self._parent_not_present(text, visit, actor)
            if present is None:  # not said: they were fine at the door; ask before going in
                action, ask_parent = Action.CHECK_IN, ta.PARENT_QUESTION
        events = _tracked_events(session, visit.id)
        kind, note, data = _apply(action, visit, events, at, text.parsed.minutes)
        if ask_parent:
            note = "At the address; asked whether a parent or carer is present"
        elif action is Action.ARRIVE and needs_parent(text.policy, visit.purpose):
            note = "Arrived; a parent or carer is present"
        visit.updated_at = text.now
        self.audit(
            session,
            actor,
            kind,
            f"{note} {text.shown_from_when}",
            visit_id=visit.id,
            at=at,
            data={**data, **_data(text)},
        )
        session.flush()
        alarms = list(session.scalars(select(Alarm).where(Alarm.visit_id == visit.id)))
        state = dl.track(visit, _tracked_events(session, visit.id), text.policy, alarms)
        reply = ta.confirmation(
            action,
            at,
            _next_due(state, text.now) if dl.is_tracked(visit) else None,
            new_return=visit.expected_return,
            alarm_open=any(a.resolved_at is None and not a.drill for a in alarms)
            and not _duress_open(session, text.row.staff_id),
        )
        reply = f"{reply} {ask_parent}" if ask_parent else reply
        self._finish(text, Outcome.RECORDED, f"hvdesk: {reply}", visit_id=visit.id)

    def _parent_not_present(self, text: _Text, visit: Visit, actor: Actor) -> None:
        """ARRIVED NO PARENT: the wait starts, as 'Parent not present' on screen does."""
        minutes = dl.parent_wait_minutes(False, text.policy)
        visit.status, visit.arrived_at = VisitStatus.ON_SITE.value, text.at  # at the door
        visit.updated_at = text.now
        self.audit(
            text.session,
            actor,
            EventKind.PARENT_NOT_PRESENT,
            f"Parents not present; wait {minutes} min {text.shown_from}",
            visit_id=visit.id,
            at=text.at,
            data={"late_notice": False, "wait_min": minutes, **_data(text)},
        )
        until = text.at + timedelta(minutes=minutes)
        reply = (
            f"hvdesk: Parent not present {fmt_time(text.at)}: do not go in. Wait until "
            f"{fmt_time(until)}; if nobody comes, ring the office."
        )
        self._finish(text, Outcome.RECORDED, reply, visit_id=visit.id)

    # --- escalation contacts ----------------------------------------------------------------
    def _take(self, text: _Text, contact: EscalationContact) -> None:
        """TAKE <code>: compare-and-set on the alarm's owner; a second TAKE names who has it."""
        session, code = text.session, text.parsed.code or ""
        alarm = _alarm_sent_to(session, contact, text.sender, code)
        if alarm is None:
            reply = f"hvdesk: no open alarm with code {code} was sent to you. Ring the office."
            return self._finish(
                text, Outcome.TAKE_REFUSED, reply, note=f"TAKE {code}: no such alarm"
            )
        text.row.alarm_id = alarm.id
        if not _claim(session, alarm, contact.name, text.now):
            session.refresh(alarm)
            since = f" (since {fmt_time(alarm.acknowledged_at)})" if alarm.acknowledged_at else ""
            return self._finish(
                text,
                Outcome.TAKE_REFUSED,
                f"hvdesk: alarm {code} is already handled by {alarm.acknowledged_by}{since}.",
                visit_id=alarm.visit_id,
                note=f"TAKE {code}: already handled by {alarm.acknowledged_by}",
            )
        self.audit(
            session,
            Actor(None, contact.name),
            EventKind.ALARM_ACKNOWLEDGED,
            f"{contact.name} is handling this ({text.shown_from})",
            visit_id=alarm.visit_id,
            alarm_id=alarm.id,
            at=text.now,
            data={"by_text": True, "contact_id": contact.id, "previous": ""},
        )
        session.refresh(alarm)
        reply = (
            f"hvdesk: alarm {code} is yours ({_alarm_about(session, alarm)}). "
            "Ring them now; ring the office for the details."
        )
        self._finish(text, Outcome.TAKEN, reply, visit_id=alarm.visit_id)
        # The taker's answer is their 'handled' notice, so everyone else told gets 'handled by'.
        _queue(
            text,
            reply,
            f"{em.HANDLED}:{alarm.id}:{contact.id}"
            f"{outbox.ladder_round(session, alarm).key_suffix}:{Channel.SMS.value}",
            em.HANDLED,
            alarm_id=alarm.id,
        )
        outbox.alarm_changed(session, alarm, text.now)

    def _confirm_responsible(self, text: _Text, contact: EscalationContact) -> bool:
        """OK from the out-of-hours responsible contact of a visit today: they are monitoring."""
        start, end = london_day_bounds(london(text.now).date())
        visits = text.session.scalars(
            select(Visit).where(
                Visit.responsible_contact_id == contact.id,
                Visit.planned_departure >= start - timedelta(hours=6),
                Visit.planned_departure < end,
                Visit.status.in_(
                    [VisitStatus.APPROVED.value, VisitStatus.AWAITING_APPROVAL.value, *dl.ACTIVE]
                ),
            )
        ).all()
        if not visits:
            return False
        for visit in visits:
            self.audit(
                text.session,
                Actor(None, contact.name),
                EventKind.RESPONSIBLE_CONFIRMED,
                f"{contact.name} confirmed they are the responsible contact ({text.shown_from})",
                visit_id=visit.id,
                at=text.at,
                data=_data(text),
            )
        text.row.visit_id = visits[0].id
        names = "; ".join(f"{v.staff_names}, back {fmt_time(v.expected_return)}" for v in visits)
        self._finish(
            text,
            Outcome.CONFIRMED,
            f"hvdesk: thank you, you are monitoring {names}.",
            visit_id=visits[0].id,
        )
        return True

    # --- replies ----------------------------------------------------------------------------
    def _queue_reply(self, text: _Text) -> None:
        if not text.replied:
            _queue(text, text.row.reply, f"text-reply:{text.row.provider_ref}", REPLY_KIND)


def _queue(text: _Text, body: str, key: str, kind: str, *, alarm_id: int | None = None) -> None:
    """The answer to the sender, in the text's transaction (sent after commit by the outbox)."""
    outbox.enqueue(
        text.session,
        channel=Channel.SMS.value,
        recipient=text.sender,
        subject="",
        body=body,
        kind=kind,
        key=key,
        now=text.now,
        alarm_id=alarm_id,
        visit_id=text.row.visit_id,
        contact_id=text.row.contact_id,
    )
    text.replied = True


def _alarm_sent_to(
    session: Session, contact: EscalationContact, number: str, code: str
) -> Alarm | None:
    """The open alarm with this code that was sent to this contact (by contact or number)."""
    told = session.scalars(
        select(Alarm)
        .join(OutboxMessage, OutboxMessage.alarm_id == Alarm.id)
        .where(
            Alarm.resolved_at.is_(None),
            or_(OutboxMessage.contact_id == contact.id, OutboxMessage.recipient == number),
        )
        .order_by(Alarm.id.desc())
    ).unique()
    return next((a for a in told if alarm_code(a.id) == code), None)


def _claim(session: Session, alarm: Alarm, name: str, now: datetime) -> bool:
    """Compare-and-set: the alarm becomes theirs only while nobody has it (any seat, any text)."""
    taken = session.execute(
        update(Alarm)
        .where(Alarm.id == alarm.id, Alarm.acknowledged_at.is_(None), Alarm.resolved_at.is_(None))
        .values(
            acknowledged_by_id=None,
            acknowledged_by=name,
            acknowledged_at=now,
            step_started_at=alarm.step_started_at or now,
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], taken).rowcount == 1


def _data(text: _Text) -> dict[str, object]:
    return {
        "by_text": True,
        "from": text.sender,
        "text_id": text.row.id,
        "sent_at": text.at.isoformat(),
        "received_at": text.now.isoformat(),
    }


def _apply(
    action: Action, visit: Visit, events: list[Event], at: datetime, minutes: int | None
) -> tuple[EventKind, str, dict[str, object]]:
    """The visit change a text makes, as the tracker's one-click actions make it."""
    if action is Action.ARRIVE:
        visit.status, visit.arrived_at = VisitStatus.ON_SITE.value, at
        return EventKind.ARRIVED, "Arrived", {}
    if action is Action.LEAVE:
        visit.status, visit.left_at = VisitStatus.LEFT_PROPERTY.value, at
        return EventKind.LEFT_PROPERTY, "Left the property", {}
    if action is Action.RETURN:
        if visit.status != VisitStatus.CANCELLED:
            visit.status = VisitStatus.RETURNED.value
        visit.returned_at = at
        return EventKind.RETURNED, "Back at school", {}
    if action is Action.LATE:
        assert minutes is not None
        previous = dl.current_return(visit, events)
        new_return = max(previous, at) + timedelta(minutes=minutes)
        visit.expected_return = new_return
        return (
            EventKind.RUNNING_LATE,
            f"Running late {minutes} min: new expected return {fmt_time(new_return)}",
            {"new_return": new_return.isoformat(), "previous": previous.isoformat()},
        )
    return EventKind.CHECKED_IN, "Checked in: all fine", {}


def _next_due(state: dl.TrackState, now: datetime) -> datetime | None:
    """The next call they owe: the check-in (or the arrival call), not the return."""
    calls = (dl.Kind.CHECKIN, dl.Kind.ARRIVAL)
    due = [d.due_at for d in state.deadlines if d.kind in calls and d.due_at > now]
    return min(due, default=None)


def _tracked_events(session: Session, visit_id: int) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(Event.visit_id == visit_id, Event.kind.in_([k.value for k in TRACKED_KINDS]))
            .order_by(Event.at, Event.id)
        )
    )


NOT_MARKED_OUT = "; no visit marked out: raised on their visit of today, ring them to ask where"


def _alarm_visit(session: Session, staff_id: int, now: datetime) -> tuple[Visit | None, bool]:
    """The one visit an alarm about this person goes on, and whether they are marked out.

    Their one visit out; else the visit of today they should have left on by now and nobody
    pressed Departed for (most likely where they are). None with two visits out, or with none
    (between visits, back, or only later today): the alarm is then about the person."""
    visits = where.visits_out(session, staff_id)
    if visits:
        return (visits[0] if len(visits) == 1 else None), True
    return _left_unmarked(session, staff_id, now), False


def _left_unmarked(session: Session, staff_id: int, now: datetime) -> Visit | None:
    """Their latest approved visit of today planned to have left by now but never marked out.

    Not one planned before they last came back (they went elsewhere since, so it never
    happened), nor one whose expected return has passed (it would be over): the alarm is then
    about the person, with where they were last known."""
    today = where.visits_today(session, staff_id, now)
    returns = [v.returned_at for v in today if v.returned_at is not None and v.returned_at <= now]
    back = max(returns, default=None)
    begun = [
        v
        for v in today
        if v.status == VisitStatus.APPROVED.value
        and v.planned_departure <= now < v.expected_return
        and (back is None or v.planned_departure > back)
    ]
    return begun[-1] if begun else None


def _about_staff(text: _Text, staff: Staff, level: AlarmLevel, why: str) -> StaffRaise:
    """An alarm about the person: who, their mobile, when, and where they were last known."""
    found = where.whereabouts(text.session, staff.id, text.now)
    place = found.where if found is not None else "no visit out"
    mobile = display_phone(text.sender) or text.sender
    head = "DURESS" if level is AlarmLevel.DURESS else "Possible duress"
    reason = (
        f"{head}: {staff.name} ({mobile}) needs help now, {fmt_time(text.at)}: {place}"
        if level is AlarmLevel.DURESS
        else f"{why} from {staff.name}: ring them now; {place}"
    )
    return StaffRaise(
        staff_id=staff.id,
        name=staff.name,
        level=level,
        reason=reason,
        key=f"{'duress' if level is AlarmLevel.DURESS else 'pin'}@text:{text.row.id}",
        note=f"{why}; {place}",
        said_at=text.at,
    )


def _outcome_words(text: InboundText) -> str:
    """What hvdesk did, in words, with the alarm's number when it raised or took one."""
    words = OUTCOME_WORDS.get(Outcome(text.outcome), text.outcome) if text.outcome else ""
    return f"{words}, alarm {text.alarm_id}" if text.alarm_id is not None else words


def _alarm_about(session: Session, alarm: Alarm) -> str:
    """Who (and which home) an alarm is about, for a text to the person taking it."""
    visit = session.get(Visit, alarm.visit_id) if alarm.visit_id is not None else None
    if visit is not None:
        return f"{visit.staff_names}, {visit.household.name}"
    found = (
        where.whereabouts(session, alarm.staff_id, alarm.raised_at)
        if alarm.staff_id is not None
        else None
    )
    if found is None:
        return "staff, no visit recorded as out"
    return f"{found.name}, {found.where if found.visits else 'no visit recorded as out'}"


def _duress_open(session: Session, staff_id: int | None) -> bool:
    """A duress alarm is open for this person: a reply must not mention any alarm, since
    whoever is beside them may read it."""
    return staff_id is not None and bool(
        session.scalar(
            select(Alarm.id)
            .outerjoin(Visit, Visit.id == Alarm.visit_id)
            .where(
                Alarm.resolved_at.is_(None),
                Alarm.level == AlarmLevel.DURESS.value,
                or_(
                    Visit.lead_staff_id == staff_id,
                    Visit.companion_staff_id == staff_id,
                    Alarm.staff_id == staff_id,
                ),
            )
            .limit(1)
        )
    )




def _staff_by_mobile(session: Session, number: str) -> Staff | None:
    """The one active staff member with this mobile (Staff screen or lone working form)."""
    found = set(
        session.scalars(select(Staff.id).where(Staff.mobile == number, Staff.active.is_(True)))
    ) | set(
        session.scalars(
            select(LoneWorkingAssessment.staff_id)
            .join(Staff, Staff.id == LoneWorkingAssessment.staff_id)
            .where(LoneWorkingAssessment.mobile == number, Staff.active.is_(True))
        )
    )
    return session.get(Staff, found.pop()) if len(found) == 1 else None


def _contact_by_mobile(session: Session, number: str) -> EscalationContact | None:
    return session.scalars(
        select(EscalationContact)
        .where(EscalationContact.mobile == number, EscalationContact.active.is_(True))
        .order_by(EscalationContact.id)
    ).first()


def _assessment(session: Session, staff_id: int) -> LoneWorkingAssessment | None:
    return session.scalars(
        select(LoneWorkingAssessment)
        .where(LoneWorkingAssessment.staff_id == staff_id)
        .order_by(LoneWorkingAssessment.signed_on.desc(), LoneWorkingAssessment.id.desc())
    ).first()


def _secret_words(session: Session, staff: Staff | None, policy: PolicySettings) -> list[str]:
    """The words that mean duress from this sender: their safe words and the school's word.

    From a number matched to nobody (unknown, or shared by two staff), every safe word on file:
    none of them may show on the office's screens as typed."""
    words = [policy.text_duress_word] if policy.text_duress_word.strip() else []
    stmt = select(LoneWorkingAssessment.safe_word)
    if staff is not None:
        stmt = stmt.where(LoneWorkingAssessment.staff_id == staff.id)
    words += list(session.scalars(stmt))
    return [w for w in words if w.strip()]


def _contact_help() -> str:
    return "hvdesk: reply TAKE and the alarm's code to take an alarm, or ring the office."


class SafetyChecks(Service):
    """A text to each worker with a PIN when a check-in falls due (policy: text_safety_check)."""

    def queue(self, board: Board, now: datetime) -> int:
        if not board.policy.text_safety_check:
            return 0
        due = [(row, d) for row in board.rows for d in ta.safety_checks_due(row.state, now)]
        if not due:
            return 0
        queued = 0
        with self.db.transaction() as session:
            for row, deadline in due:
                for staff in row.visit.staff:
                    assessment = _assessment(session, staff.id)
                    if not staff.mobile or assessment is None or not assessment.pin_hash:
                        continue  # without a PIN they cannot answer by text
                    queued += bool(
                        outbox.enqueue(
                            session,
                            channel=Channel.SMS.value,
                            recipient=staff.mobile,
                            recipient_name=staff.name,
                            subject="",
                            body=ta.safety_check_text(row.visit.household.name, deadline),
                            kind="safety_check",
                            key=f"safety-check:{row.visit.id}:{deadline.key}:{staff.id}",
                            now=now,
                            visit_id=row.visit.id,
                        )
                    )
        return queued


ASK_RESPONSIBLE_BEFORE = timedelta(hours=3)


class ResponsibleContacts(Service):
    """Out-of-hours visits: the responsible contact is asked to reply OK before the staff leave,
    and the office sees, before pressing Departed, when nobody has confirmed (Harborne)."""

    def ask(self, now: datetime) -> int:
        """Text each responsible contact of a visit leaving within 3 hours, once per visit."""
        queued = 0
        with self.db.transaction() as session:
            if notify_config.load(session).sms_provider != "twilio":
                return 0  # replies could not be fetched, so do not ask for one
            visits = session.scalars(
                select(Visit)
                .where(
                    Visit.status == VisitStatus.APPROVED.value,
                    Visit.responsible_contact_id.is_not(None),
                    Visit.planned_departure > now,
                    Visit.planned_departure <= now + ASK_RESPONSIBLE_BEFORE,
                )
                .options(joinedload(Visit.household), joinedload(Visit.responsible_person))
            ).unique()
            for visit in visits:
                contact = visit.responsible_person
                if contact is None or not contact.active or not contact.mobile:
                    continue
                body = (
                    f"hvdesk: you are the responsible contact for {visit.staff_names} visiting the "
                    f"{visit.household.name} at {fmt_time(visit.start)}, back "
                    f"{fmt_time(visit.expected_return)}. Reply OK to confirm you are monitoring."
                )
                queued += bool(
                    outbox.enqueue(
                        session,
                        channel=Channel.SMS.value,
                        recipient=contact.mobile,
                        recipient_name=contact.name,
                        subject="",
                        body=body,
                        kind="responsible_ask",
                        key=f"responsible-ask:{visit.id}:{contact.id}",
                        now=now,
                        visit_id=visit.id,
                        contact_id=contact.id,
                    )
                )
        return queued

    def unconfirmed(self, visit_id: int) -> str:
        """The warning to show before departure; "" when confirmed or no contact is named."""
        with self.db.read() as session:
            visit = session.get(Visit, visit_id)
            if visit is None or visit.responsible_person is None:
                return ""
            confirmed = session.scalar(
                select(Event.id).where(
                    Event.visit_id == visit_id,
                    Event.kind == EventKind.RESPONSIBLE_CONFIRMED.value,
                )
            )
            if confirmed:
                return ""
            name = visit.responsible_person.name
        return (
            f"{name}, the out-of-hours responsible contact, has not confirmed by text that they "
            "are monitoring this visit. Ring them before the staff leave."
        )
