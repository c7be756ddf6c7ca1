"""Alarms: raised once per lapse, owned, walked up the escalation ladder, resolved with a result.

All alarm state lives in the database, so every seat shows the same thing: an alarm acknowledged on
one office PC is acknowledged on all of them. A visit has at most one open (real) alarm: a second
lapse of the same visit is folded into it (its own Alarm row is kept, marked 'merged', so the lapse
is still raised exactly once). Drills are practice alarms, labelled DRILL and left out of the
statistics.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from hvdesk.clock import fmt_time
from hvdesk.errors import Collector, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import (
    Alarm,
    AlarmLevel,
    AlarmResolution,
    Channel,
    Event,
    Household,
    Role,
    Staff,
    UserAccount,
    Visit,
)
from hvdesk.notify import config as notify_config
from hvdesk.notify import outbox
from hvdesk.policy import PolicySettings
from hvdesk.rules import actions as ra
from hvdesk.rules import escalation as esc
from hvdesk.rules.deadlines import (
    CONTACT_RESOLUTIONS,
    MERGED,
    Deadline,
    deadline_key,
    is_contact,
)
from hvdesk.rules.validation import display_phone, optional_text
from hvdesk.services.base import SYSTEM, Actor, Service
from hvdesk.services.settings import SettingsService
from hvdesk.services.whereabouts import Whereabouts, visits_out, whereabouts

RESOLUTION_LABELS: dict[str, str] = {
    AlarmResolution.SAFE_FORGOT: "Safe and well (they forgot to check in)",
    AlarmResolution.SAFE_DELAYED: "Safe and well (delayed)",
    AlarmResolution.EMERGENCY: "Genuine emergency (police called)",
    AlarmResolution.FALSE_ALARM: "False alarm",
    AlarmResolution.DRILL: "Drill",
    MERGED: "Merged into the visit's open alarm",
}
HANDLERS = (Role.OFFICE, Role.APPROVER, Role.ADMIN)


@dataclass(frozen=True)
class Raised:
    """One lapse turned into an alarm (or folded into the visit's open one)."""

    alarm_id: int  # the row for this lapse
    primary_id: int  # the alarm window that shows it
    visit_id: int
    key: str
    reason: str
    due_at: datetime | None
    lapse_at: datetime | None
    merged: bool
    visit_label: str = ""


@dataclass(frozen=True)
class StaffRaise:
    """An alarm about a person rather than a visit: who, why, and the key that makes it once."""

    staff_id: int
    name: str
    level: AlarmLevel
    reason: str  # shown on every seat and in the timeline: who, and where they were last known
    key: str  # e.g. the text's: the same text never raises it twice
    note: str = ""  # the duress line of the audit trail
    said_at: datetime | None = None  # when the text was sent (the duress line's time), if earlier


@dataclass
class Contact:
    name: str
    title: str
    phone: str  # as dialled in the UK, or "" when none is on file


@dataclass
class AlarmDetail:
    """What an alarm window shows: the alarm, its visit and people, its ladder so far."""

    alarm: Alarm
    visit: Visit | None  # None: an alarm about a person with no one visit (see `person`)
    policy: PolicySettings
    last_contact: Event | None
    steps: list[Event]  # ESCALATION_STEP events of this alarm, oldest first
    approvers: list[Contact]
    school_phone: str
    merged_reasons: list[str] = field(default_factory=list)
    person: Whereabouts | None = None  # who a visit-less alarm is about, and where to look

    def ladder(self) -> esc.LadderState:
        return esc.ladder_state(self.alarm, self.steps, self.policy)


@dataclass
class AlarmStats:
    total: int
    by_resolution: dict[str, int]
    open: int
    median_to_acknowledge_s: float | None
    median_to_resolve_s: float | None
    drills: int  # counted apart, never in the figures above


def _open_real(session: Session, visit_id: int) -> Alarm | None:
    return session.scalars(
        select(Alarm)
        .where(Alarm.visit_id == visit_id, Alarm.resolved_at.is_(None), Alarm.drill.is_(False))
        .order_by(Alarm.id)
    ).first()


def _open_for_staff(session: Session, staff_id: int) -> Alarm | None:
    """This person's open alarm that has no visit (at most one: later texts fold into it)."""
    return session.scalars(
        select(Alarm)
        .where(
            Alarm.staff_id == staff_id,
            Alarm.visit_id.is_(None),
            Alarm.resolved_at.is_(None),
            Alarm.drill.is_(False),
        )
        .order_by(Alarm.id)
    ).first()


def _new_alarm(
    session: Session,
    visit_id: int,
    key_kind: str,
    level: AlarmLevel,
    step: int,
    reason: str,
    now: datetime,
) -> Alarm:
    """An alarm raised by what someone did, not by a lapsed deadline: due at once, at `step`.

    Flushed so its id can go into the audit trail and the outbox in the same transaction.
    """
    alarm = Alarm(
        visit_id=visit_id,
        deadline_key=deadline_key(key_kind, now),
        level=level.value,
        reason=reason,
        due_at=now,
        raised_at=now,
        step=step,
    )
    session.add(alarm)
    session.flush()
    return alarm


def _alarms_wanted(
    alarm_ids: list[int] | None, visit_ids: Iterable[int] | None, without_visit: bool
) -> Select[Alarm]:
    """The alarms AlarmService.details is asked about, oldest first."""
    stmt = select(Alarm).order_by(Alarm.raised_at, Alarm.id)
    if visit_ids is not None:
        return stmt.where(Alarm.visit_id.in_(list(visit_ids)), Alarm.resolved_at.is_(None))
    if without_visit:
        return stmt.where(Alarm.visit_id.is_(None), Alarm.resolved_at.is_(None))
    if alarm_ids is None:
        return stmt.where(Alarm.resolved_at.is_(None))
    return stmt.where(Alarm.id.in_(alarm_ids))


def _alarm_visits(session: Session, ids: set[int]) -> dict[int, Visit]:
    """The alarms' visits with all an alarm window shows of them (risks, pupil, staff)."""
    return {
        v.id: v
        for v in session.scalars(
            select(Visit)
            .where(Visit.id.in_(ids))
            .options(
                joinedload(Visit.household).selectinload(Household.risks),
                joinedload(Visit.pupil),
                joinedload(Visit.lead_staff),
                joinedload(Visit.companion_staff),
                joinedload(Visit.vehicle_staff),
            )
        ).unique()
    }


def _alarm_events(session: Session, visit_ids: set[int], person_alarms: list[int]) -> list[Event]:
    """The events of the alarms' visits, and of the alarms about a person, in order."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.visit_id.in_(visit_ids) | Event.alarm_id.in_(person_alarms))
            .order_by(Event.at, Event.id)
        )
    )


def _own_events(alarm: Alarm, events: list[Event]) -> list[Event]:
    """An alarm's own story: its visit's events, or (about a person) the alarm's own."""
    if alarm.visit_id is None:
        return [e for e in events if e.alarm_id == alarm.id]
    return [e for e in events if e.visit_id == alarm.visit_id]


def _detail(
    alarm: Alarm,
    own: list[Event],
    *,
    policy: PolicySettings,
    visit: Visit | None,
    person: Whereabouts | None,
    approvers: list[Contact],
    school_phone: str,
) -> AlarmDetail:
    """One alarm window's content from the alarm and its own events."""
    contacts = [e for e in own if is_contact(e)]
    return AlarmDetail(
        alarm=alarm,
        visit=visit,
        policy=policy,
        last_contact=contacts[-1] if contacts else None,
        steps=[e for e in own if e.alarm_id == alarm.id and e.kind == EventKind.ESCALATION_STEP],
        approvers=approvers,
        school_phone=school_phone,
        merged_reasons=[
            e.note.split(" — ")[0]
            for e in own
            if e.alarm_id == alarm.id
            and e.kind == EventKind.ALARM_RAISED
            and (e.data or {}).get("merged_into") == alarm.id
        ],
        person=person,
    )


def _approvers(session: Session, policy: PolicySettings) -> list[Contact]:
    """Who step 3 of the ladder tells: every active approver, with their mobile if on file."""
    return [
        Contact(
            u.display_name,
            u.approver_title or policy.approver_title,
            display_phone(staff.mobile) if staff is not None else "",
        )
        for u, staff in session.execute(
            select(UserAccount, Staff)
            .outerjoin(Staff, Staff.id == UserAccount.staff_id)
            .where(UserAccount.role == Role.APPROVER.value, UserAccount.active.is_(True))
            .order_by(UserAccount.display_name)
        )
    ]


def _load_alarm(session: Session, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound(f"No alarm with id {alarm_id}")
    return alarm


def _drill(alarm: Alarm, note: str) -> str:
    """A drill is labelled DRILL everywhere, the visit's timeline included."""
    return f"DRILL: {note}" if alarm.drill and not note.startswith("DRILL") else note


class AlarmOwned(StateError):
    """Someone else already owns the alarm: the refusal names them and since when."""

    def __init__(self, owner: str, since: datetime) -> None:
        super().__init__(
            f"{owner} is already handling this (since {fmt_time(since)}). To take it over, "
            f"use 'Take over from {owner}…' and confirm."
        )
        self.owner = owner
        self.since = since


def holds(alarm: Alarm, actor: Actor) -> bool:
    """The actor already owns the alarm (by account; by name for account-less system actors)."""
    if alarm.acknowledged_at is None or alarm.acknowledged_by_id != actor.user_id:
        return False
    return actor.user_id is not None or alarm.acknowledged_by == actor.name


def _require_holder(alarm: Alarm, actor: Actor, doing: str) -> None:
    """Only the one person handling an alarm records its steps and resolves it (one owner)."""
    if alarm.acknowledged_at is None or holds(alarm, actor):
        return
    raise StateError(
        f"{alarm.acknowledged_by} is handling this alarm (since {fmt_time(alarm.acknowledged_at)}): "
        f"only they can {doing}. To do it yourself, use 'Take over from {alarm.acknowledged_by}…' "
        "and confirm."
    )


def _owned(alarm: Alarm) -> StateError:
    """Why a claim lost: resolved meanwhile, or somebody else holds it now."""
    if alarm.resolved_at is not None:
        return StateError(
            f"Alarm {alarm.id} was already resolved by {alarm.resolved_by} at "
            f"{fmt_time(alarm.resolved_at)}"
        )
    assert alarm.acknowledged_at is not None
    return AlarmOwned(alarm.acknowledged_by, alarm.acknowledged_at)


def _stale() -> StateError:
    return StateError(
        "Someone else changed this visit at the same moment; the screen has been refreshed. "
        "Check it and try again."
    )


class AlarmService(Service):
    policy_source: Callable[[], PolicySettings] | None = None  # a window's cached policy

    def policy(self) -> PolicySettings:
        if self.policy_source is not None:
            return self.policy_source()
        return SettingsService(self.db, self.clock).policy()

    # --- raising -------------------------------------------------------------------------
    def raise_lapse(
        self,
        visit_id: int,
        deadline: Deadline,
        *,
        at_startup: bool = False,
        now: datetime | None = None,
        visit_label: str = "",
    ) -> Raised | None:
        """Raise the alarm for one lapsed deadline; None if it was raised before (any seat)."""
        now = now or self.clock.now()
        reason = deadline.reason()
        try:
            with self.db.transaction() as session:
                primary = _open_real(session, visit_id)
                alarm = Alarm(
                    visit_id=visit_id,
                    deadline_key=deadline.key,
                    level=AlarmLevel.RED.value,
                    reason=reason,
                    due_at=deadline.due_at,
                    raised_at=now,
                    step=1,
                )
                if primary is not None:
                    alarm.resolved_at = now
                    alarm.resolved_by = SYSTEM.name
                    alarm.resolution = MERGED
                    alarm.resolution_note = f"Shown on alarm {primary.id}"
                    if primary.level == AlarmLevel.AMBER:
                        primary.level = AlarmLevel.RED.value  # a lapse is worse than a doubt
                    if reason not in primary.reason:
                        primary.reason = f"{primary.reason}; {reason}"
                session.add(alarm)
                session.flush()
                shown = primary or alarm
                note = reason
                if at_startup:
                    note += (
                        f" — lapsed at {fmt_time(deadline.lapse_at)} while hvdesk was not running"
                    )
                self.audit(
                    session,
                    SYSTEM,
                    EventKind.ALARM_RAISED,
                    note,
                    visit_id=visit_id,
                    alarm_id=shown.id,
                    at=now,
                    data={
                        "key": deadline.key,
                        "kind": deadline.kind.value,
                        "due_at": deadline.due_at.isoformat(),
                        "lapse_at": deadline.lapse_at.isoformat() if deadline.lapse_at else None,
                        "merged_into": primary.id if primary is not None else None,
                        "at_startup": at_startup,
                    },
                )
                outbox.alarm_changed(session, shown, now)
        except IntegrityError:
            return None  # already raised: by us before a restart, or by another seat just now
        return Raised(
            alarm_id=alarm.id,
            primary_id=shown.id,
            visit_id=visit_id,
            key=deadline.key,
            reason=reason,
            due_at=deadline.due_at,
            lapse_at=deadline.lapse_at,
            merged=primary is not None,
            visit_label=visit_label,
        )

    def duress(self, actor: Actor, visit_id: int, note: str = "") -> Alarm:
        """Staff said the code word, or the office pressed Duress: top alarm at the police step."""
        errors = Collector()
        text = errors.check("Note", optional_text, note) or ""
        errors.raise_if_any()
        with self.db.transaction() as session:
            return self.raise_duress(session, actor, visit_id, text, self.clock.now())

    def raise_duress(
        self,
        session: Session,
        actor: Actor,
        visit_id: int,
        text: str,
        now: datetime,
        *,
        tracked_only: bool = True,
        said_at: datetime | None = None,
    ) -> Alarm:
        """Duress in the caller's transaction (a text with the safe word is recorded with it).

        `tracked_only=False`: a safe word by text from someone with no visit marked out is still
        raised, on their visit of today, rather than refused (the office may have forgotten to
        press Departed). `said_at`: when the text was sent, the time its duress line speaks
        for, as every text's does; the alarm itself is raised `now`, when hvdesk knew."""
        visit = session.get(Visit, visit_id)
        if visit is None:
            raise NotFound(f"No visit with id {visit_id}")
        allowed = ra.verdict(ra.Action.DURESS, visit, ra.Facts(now))
        if not allowed and tracked_only:
            raise StateError(allowed.reason)
        reason = "DURESS: staff need help now" + (f" ({text})" if text else "")
        alarm = _open_real(session, visit_id)
        if alarm is not None:
            about = f"{visit.staff_names}, {visit.household.name}"
            owner = self._release_for_duress(session, alarm, about, now)
            alarm.level = AlarmLevel.DURESS.value
            alarm.step = esc.POLICE_STEP
            alarm.step_started_at = None
            alarm.reason = f"{reason}; {alarm.reason}"
            if owner:
                text = (f"{text}; " if text else "") + (
                    f"{owner} was handling the earlier alarm: it is open again for anyone to "
                    "take, and the escalation contacts are told it is now duress"
                )
        else:
            alarm = _new_alarm(
                session, visit_id, "duress", AlarmLevel.DURESS, esc.POLICE_STEP, reason, now
            )
        self.audit(
            session,
            actor,
            EventKind.DURESS,
            text,
            visit_id=visit_id,
            alarm_id=alarm.id,
            at=said_at or now,
        )
        return self._announce(session, actor, alarm, reason, "duress", now)

    def _release_for_duress(self, session: Session, alarm: Alarm, about: str, now: datetime) -> str:
        """A taken alarm that becomes duress is nobody's any more, so the ladder starts again
        (outbox.ladder_round) and stops only when someone takes the emergency itself. Its owner
        is texted when they hold it at a PC with a mobile on file (a contact who took it by text
        is on the ladder and told with everyone). Returns the owner's name ("" if none)."""
        if alarm.acknowledged_at is None:
            return ""
        owner, user_id = alarm.acknowledged_by, alarm.acknowledged_by_id
        alarm.acknowledged_at, alarm.acknowledged_by, alarm.acknowledged_by_id = None, "", None
        user = session.get(UserAccount, user_id) if user_id is not None else None
        staff = session.get(Staff, user.staff_id) if user is not None and user.staff_id else None
        sms_ready = Channel.SMS.value in notify_config.load(session).channels_ready()
        if staff is not None and staff.mobile and sms_ready:
            outbox.enqueue(
                session,
                channel=Channel.SMS.value,
                recipient=staff.mobile,
                recipient_name=staff.name,
                subject="",
                body=(
                    f"hvdesk: DURESS now on the alarm you were handling ({about}). Open hvdesk "
                    "and take it again, or ring 999."
                ),
                kind="duress_owner",
                key=f"duress-owner:{alarm.id}:{user_id}:{now.isoformat()}",
                now=now,
                alarm_id=alarm.id,
                visit_id=alarm.visit_id,
            )
        return owner

    def raise_possible_duress(
        self, session: Session, actor: Actor, visit_id: int, reason: str, now: datetime
    ) -> Alarm:
        """An amber alarm for the office to ring the staff member (wrong PINs by text).

        Folded into the visit's open alarm when there is one (it is at least as urgent already).
        """
        alarm = _open_real(session, visit_id)
        if alarm is not None:
            alarm.reason = f"{alarm.reason}; {reason}"
        else:
            alarm = _new_alarm(session, visit_id, "pin", AlarmLevel.AMBER, 1, reason, now)
        return self._announce(session, actor, alarm, reason, "possible_duress", now)

    def raise_for_staff(
        self,
        session: Session,
        actor: Actor,
        raised: StaffRaise,
        now: datetime,
    ) -> Alarm:
        """An alarm about a person with no one visit to raise it on, in the caller's transaction.

        Their safe word (or wrong PINs) by text with no visit out, or with two out: the alarm
        names them and where they were last known, and goes to every seat and up the ladder like
        any other. A person has at most one such open alarm: a later text folds into it (duress
        makes it duress, at the police step, free for anyone to take again). Raised once per
        text: `raised.key` is unique for the person."""
        duress = raised.level == AlarmLevel.DURESS
        alarm = _open_for_staff(session, raised.staff_id)
        if alarm is None:
            alarm = Alarm(
                visit_id=None,
                staff_id=raised.staff_id,
                deadline_key=raised.key,
                level=raised.level.value,
                reason=raised.reason,
                due_at=now,
                raised_at=now,
                step=esc.POLICE_STEP if duress else 1,
            )
            session.add(alarm)
            session.flush()
        elif duress and alarm.level != AlarmLevel.DURESS:
            alarm.reason = f"{raised.reason}; earlier: {alarm.reason.split('; ')[0]}"
            self._release_for_duress(session, alarm, raised.name, now)
            alarm.level, alarm.step, alarm.step_started_at = raised.level.value, esc.POLICE_STEP, None
        else:
            alarm.reason = f"{alarm.reason}; texted again {fmt_time(now)}"
        if duress:
            self._duress_on_timelines(session, actor, alarm, raised, now)
        kind = "duress" if duress else "possible_duress"
        return self._announce(session, actor, alarm, raised.reason, kind, now)

    def _duress_on_timelines(
        self, session: Session, actor: Actor, alarm: Alarm, raised: StaffRaise, now: datetime
    ) -> None:
        """The duress line of the audit trail, on the timeline of every visit they are out on
        (two out: both), or on the person alone when they have none out."""
        out: list[int | None] = [v.id for v in visits_out(session, raised.staff_id)] or [None]
        for visit_id in out:
            self.audit(
                session,
                actor,
                EventKind.DURESS,
                raised.note,
                visit_id=visit_id,
                staff_id=raised.staff_id,
                alarm_id=alarm.id,
                at=raised.said_at or now,
            )

    def _announce(
        self, session: Session, actor: Actor, alarm: Alarm, reason: str, kind: str, now: datetime
    ) -> Alarm:
        """One audit line and the outbox, so a raised (or folded) alarm reaches the ladder."""
        self.audit(
            session,
            actor,
            EventKind.ALARM_RAISED,
            reason,
            visit_id=alarm.visit_id,
            staff_id=alarm.staff_id,
            alarm_id=alarm.id,
            at=now,
            data={"key": alarm.deadline_key, "kind": kind},
        )
        outbox.alarm_changed(session, alarm, now)
        return alarm

    def start_drill(self, actor: Actor, visit_id: int, note: str = "") -> Alarm:
        """A practice alarm to rehearse the ladder: labelled DRILL, kept out of the statistics."""
        actor.require(*HANDLERS, action="start a drill")
        errors = Collector()
        text = errors.check("Note", optional_text, note) or ""
        errors.raise_if_any()
        now = self.clock.now()
        with self.db.transaction() as session:
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            allowed = ra.verdict(ra.Action.DRILL, visit, ra.Facts(now))
            if not allowed:
                raise StateError(allowed.reason)
            running = session.scalars(
                select(Alarm).where(
                    Alarm.visit_id == visit_id, Alarm.drill.is_(True), Alarm.resolved_at.is_(None)
                )
            ).first()
            if running is not None:
                raise StateError(
                    f"A drill is already running on visit {visit_id} (alarm {running.id}); "
                    "finish it before starting another"
                )
            alarm = Alarm(
                visit_id=visit_id,
                deadline_key=deadline_key("drill", now),
                level=AlarmLevel.RED.value,
                reason="DRILL: practice alarm — check-in overdue" + (f" ({text})" if text else ""),
                due_at=now,
                raised_at=now,
                drill=True,
                step=1,
            )
            session.add(alarm)
            session.flush()
            self.audit(
                session,
                actor,
                EventKind.ALARM_RAISED,
                "DRILL: practice alarm started" + (f": {text}" if text else ""),
                visit_id=visit_id,
                alarm_id=alarm.id,
                data={"key": alarm.deadline_key, "kind": "drill", "drill": True},
            )
            outbox.alarm_changed(session, alarm, now)
        return alarm

    # --- handling ------------------------------------------------------------------------
    def _claim(
        self, session: Session, actor: Actor, alarm: Alarm, now: datetime, owner: str | None
    ) -> bool:
        """Compare-and-set on the owner: one conditional UPDATE, so of two seats pressing at the
        same moment exactly one wins (the database serialises the two writes; the loser's WHERE
        no longer matches). `owner` is who the caller saw holding it (None: nobody)."""
        held = (
            Alarm.acknowledged_at.is_(None)
            if owner is None
            else Alarm.acknowledged_at.is_not(None) & (Alarm.acknowledged_by == owner)
        )
        result = session.execute(
            update(Alarm)
            .where(Alarm.id == alarm.id, Alarm.resolved_at.is_(None), held)
            .values(
                acknowledged_by_id=actor.user_id,
                acknowledged_by=actor.name,
                acknowledged_at=now,
                step_started_at=func.coalesce(Alarm.step_started_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        session.refresh(alarm)
        return bool(getattr(result, "rowcount", 0) == 1)  # a CursorResult for an UPDATE

    def _take(
        self,
        session: Session,
        actor: Actor,
        alarm: Alarm,
        now: datetime,
        owner: str | None = None,
    ) -> None:
        """Claim the alarm (refused, naming the owner, if the claim lost) and record who has it."""
        if not self._claim(session, actor, alarm, now, owner):
            raise _owned(alarm)
        note = f"{actor.name} is handling this"
        if owner:
            note += f" (taken over from {owner})"
        note = _drill(alarm, note)
        self.audit(
            session,
            actor,
            EventKind.ALARM_ACKNOWLEDGED,
            note,
            visit_id=alarm.visit_id,
            staff_id=alarm.staff_id,
            alarm_id=alarm.id,
            data={"drill": alarm.drill, "previous": owner or "", "taken_over": bool(owner)},
        )
        outbox.alarm_changed(session, alarm, now)

    def _open_for_handling(self, session: Session, alarm_id: int) -> Alarm:
        alarm = _load_alarm(session, alarm_id)
        if alarm.resolved_at is not None:
            raise StateError(
                f"Alarm {alarm_id} was already resolved by {alarm.resolved_by} at "
                f"{fmt_time(alarm.resolved_at)}"
            )
        return alarm

    def acknowledge(self, actor: Actor, alarm_id: int) -> Alarm:
        """Take ownership: 'Sam is handling this' on every seat; the sound stops.

        Only an alarm nobody holds can be taken this way: a second press (here or on another seat,
        even at the same moment) is refused with the owner's name and since when."""
        actor.require(*HANDLERS, action="handle alarms")
        with self.db.transaction() as session:
            alarm = self._open_for_handling(session, alarm_id)
            if alarm.acknowledged_at is not None:
                if holds(alarm, actor):
                    return alarm  # already theirs: nothing changes, nothing to record
                raise _owned(alarm)
            self._take(session, actor, alarm, self.clock.now())
        return alarm

    def take_over(self, actor: Actor, alarm_id: int, owner: str) -> Alarm:
        """'Take over from Sam Office?', confirmed: a separate action, audited, shown on every seat.

        `owner` is the person the user saw and confirmed taking over from; if the alarm changed hands
        (or was resolved) meanwhile, the take-over is refused rather than applied to someone else."""
        actor.require(*HANDLERS, action="handle alarms")
        with self.db.transaction() as session:
            alarm = self._open_for_handling(session, alarm_id)
            if alarm.acknowledged_at is None:
                raise StateError(
                    f"Nobody is handling alarm {alarm_id} now: press 'I'm handling this' instead"
                )
            if holds(alarm, actor):
                return alarm
            if alarm.acknowledged_by != owner:
                raise _owned(alarm)
            self._take(session, actor, alarm, self.clock.now(), owner)
        return alarm

    def record_step(
        self,
        actor: Actor,
        alarm_id: int,
        step_number: int,
        result: str,
        note: str = "",
        reference: str = "",
    ) -> Alarm:
        """Record what a ladder step found; move on, settle, or go straight to the police."""
        actor.require(*HANDLERS, action="handle alarms")
        errors = Collector()
        text = errors.check("Note", optional_text, note) or ""
        ref = (
            errors.check("Police reference", lambda x, f: optional_text(x, f, 60), reference) or ""
        )
        try:
            step = esc.step(step_number)
        except ValueError as err:
            errors.add("Step", str(err))
            step = None
        outcome = step.result(result) if step else None
        if step is not None and outcome is None:
            choices = ", ".join(r.label for r in step.results)
            errors.add("Result", f"choose one of: {choices}")
        errors.raise_if_any()
        assert step is not None and outcome is not None
        now = self.clock.now()
        with self.db.transaction() as session:
            alarm = self._open_for_handling(session, alarm_id)
            if alarm.step != step.number:
                raise StateError(
                    f"This alarm is at step {alarm.step} now, not step {step.number}; someone may "
                    "have recorded a result on another computer. The window has been refreshed."
                )
            _require_holder(alarm, actor, "record its steps")
            if alarm.acknowledged_at is None:
                self._take(session, actor, alarm, now)  # recording a step is taking it
            contact = outcome.contact and not alarm.drill
            self.audit(
                session,
                actor,
                EventKind.ESCALATION_STEP,
                _drill(
                    alarm,
                    f"Step {step.number} {step.title}: {outcome.label}"
                    + (f" — {text}" if text else ""),
                ),
                visit_id=alarm.visit_id,
                staff_id=alarm.staff_id,
                alarm_id=alarm.id,
                data={
                    "step": step.number,
                    "result": outcome.key,
                    "label": outcome.label,
                    "contact": contact,
                    "escalate": outcome.escalate,
                    "reference": ref,
                    "drill": alarm.drill,
                },
            )
            if outcome.escalate:
                alarm.level = AlarmLevel.DURESS.value
            if ref:
                alarm.police_reference = ref
            if outcome.advance_to is not None:
                alarm.step = outcome.advance_to
                alarm.step_started_at = now
            outbox.alarm_changed(session, alarm, now)
        return alarm

    def resolve(
        self,
        actor: Actor,
        alarm_id: int,
        resolution: str,
        note: str = "",
        police_reference: str = "",
        new_return: datetime | None = None,
    ) -> Alarm:
        """Close the alarm with a structured result. Other open alarms of the visit close with it."""
        actor.require(*HANDLERS, action="resolve alarms")
        now = self.clock.now()
        text, ref = self._check_resolution(
            actor, alarm_id, resolution, note, police_reference, new_return
        )
        try:
            with self.db.transaction() as session:
                alarm = self._open_for_handling(session, alarm_id)
                _require_holder(alarm, actor, "resolve it")
                self._close(session, actor, alarm, resolution, text, ref, now)
                if new_return is not None and not alarm.drill and alarm.visit_id is not None:
                    self._move_return(session, actor, alarm.visit_id, new_return, now)
        except StaleDataError:
            raise _stale() from None
        return alarm

    def _check_resolution(
        self,
        actor: Actor,
        alarm_id: int,
        resolution: str,
        note: str,
        police_reference: str,
        new_return: datetime | None,
    ) -> tuple[str, str]:
        """Every problem with a resolution at once (nothing saved); the cleaned note and reference."""
        now = self.clock.now()
        errors = Collector()
        text = errors.check("Notes", optional_text, note) or ""
        ref = (
            errors.check("Police reference", lambda x, f: optional_text(x, f, 60), police_reference)
            or ""
        )
        choices = [r for r in AlarmResolution]
        if resolution not in {r.value for r in choices}:
            errors.add(
                "Resolution", "choose one of: " + "; ".join(RESOLUTION_LABELS[r] for r in choices)
            )
        if new_return is not None and new_return <= now:
            errors.add(
                "New expected return",
                f"must be later than now ({fmt_time(now)}); enter when they expect to be back",
            )
        with self.db.read() as session:
            current = _load_alarm(session, alarm_id)
        if current.resolved_at is None and current.acknowledged_at is None:
            raise StateError(
                f"Nobody has taken alarm {alarm_id} yet: press 'I'm handling this' first, then "
                "record what you did and resolve it"
            )
        if current.resolved_at is None:
            _require_holder(current, actor, "resolve it")
        if not text and resolution in {r.value for r in choices} and resolution != "drill":
            errors.add(
                "Notes",
                "write what you did and who you spoke to (e.g. 'rang Jo's mobile 10:42, she is "
                "safe, battery had died')",
            )
        if current.drill and resolution != AlarmResolution.DRILL:
            errors.add("Resolution", "this is a DRILL: resolve it as 'Drill'")
        if resolution == AlarmResolution.EMERGENCY and not (ref or current.police_reference):
            errors.add(
                "Police reference",
                "enter the reference the police gave (e.g. 'log 123 of 24/11'); write "
                "'not given' if they gave none",
            )
        errors.raise_if_any()
        return text, ref

    def _close(
        self,
        session: Session,
        actor: Actor,
        alarm: Alarm,
        resolution: str,
        text: str,
        ref: str,
        now: datetime,
    ) -> None:
        """Resolve the alarm and every other open one of its visit (of the same kind: real or
        drill), with one audit Event."""
        same = (
            Alarm.visit_id == alarm.visit_id
            if alarm.visit_id is not None
            else Alarm.visit_id.is_(None) & (Alarm.staff_id == alarm.staff_id)
        )
        others = session.scalars(
            select(Alarm).where(
                same,
                Alarm.resolved_at.is_(None),
                Alarm.drill.is_(alarm.drill),
                Alarm.id != alarm.id,
            )
        ).all()
        for row in (alarm, *others):
            row.resolved_at = now
            row.resolved_by = actor.name
            row.resolution = resolution
            row.resolution_note = text if row is alarm else f"Resolved with alarm {alarm.id}"
            if ref:
                row.police_reference = ref
        self.audit(
            session,
            actor,
            EventKind.ALARM_RESOLVED,
            _drill(alarm, RESOLUTION_LABELS[resolution] + (f": {text}" if text else "")),
            visit_id=alarm.visit_id,
            staff_id=alarm.staff_id,
            alarm_id=alarm.id,
            data={
                "resolution": resolution,
                "contact": resolution in CONTACT_RESOLUTIONS and not alarm.drill,
                "police_reference": ref or alarm.police_reference,
                "drill": alarm.drill,
                "also_resolved": [o.id for o in others],
            },
        )
        outbox.alarm_changed(session, alarm, now)

    def _move_return(
        self, session: Session, actor: Actor, visit_id: int, new_return: datetime, now: datetime
    ) -> None:
        """'Safe, delayed: back by 12:30' moves the visit's expected return, recorded as such."""
        visit = session.get(Visit, visit_id)
        assert visit is not None
        previous = visit.expected_return
        visit.expected_return = new_return
        visit.updated_at = now
        self.audit(
            session,
            actor,
            EventKind.RUNNING_LATE,
            f"New expected return {fmt_time(new_return)} (given when resolving the alarm)",
            visit_id=visit.id,
            data={"new_return": new_return.isoformat(), "previous": previous.isoformat()},
        )

    # --- reading -------------------------------------------------------------------------
    def open_alarms(self) -> list[Alarm]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(Alarm).where(Alarm.resolved_at.is_(None)).order_by(Alarm.raised_at)
                )
            )

    def get(self, alarm_id: int) -> Alarm:
        with self.db.read() as session:
            return _load_alarm(session, alarm_id)

    def details(
        self,
        alarm_ids: list[int] | None = None,
        *,
        visit_ids: Iterable[int] | None = None,
        without_visit: bool = False,
    ) -> list[AlarmDetail]:
        """Everything the alarm windows show, for the given alarms (default: every open one; with
        `visit_ids`: the open ones of just those visits; `without_visit`: the open ones about a
        person with no one visit, e.g. a safe word texted between visits)."""
        policy = self.policy()
        now = self.clock.now()
        with self.db.read() as session:
            alarms = list(session.scalars(_alarms_wanted(alarm_ids, visit_ids, without_visit)))
            if not alarms:
                return []
            ids = {a.visit_id for a in alarms if a.visit_id is not None}
            visits = _alarm_visits(session, ids)
            events = _alarm_events(session, ids, [a.id for a in alarms if a.visit_id is None])
            people = {
                a.staff_id: whereabouts(session, a.staff_id, now)
                for a in alarms
                if a.visit_id is None and a.staff_id is not None
            }
            approvers = _approvers(session, policy)
        school_phone = display_phone(
            SettingsService(self.db, self.clock).school().get("phone", "") or ""
        )
        return [
            _detail(
                alarm,
                _own_events(alarm, events),
                policy=policy,
                visit=visits.get(alarm.visit_id) if alarm.visit_id is not None else None,
                person=people.get(alarm.staff_id or 0) if alarm.visit_id is None else None,
                approvers=approvers,
                school_phone=school_phone,
            )
            for alarm in alarms
        ]

    def detail(self, alarm_id: int) -> AlarmDetail:
        found = self.details([alarm_id])
        if not found:
            raise NotFound(f"No alarm with id {alarm_id}")
        return found[0]

    def stats(self, start: datetime | None = None, end: datetime | None = None) -> AlarmStats:
        """Alarm figures for reports. Drills (and lapses folded into another alarm) are left out."""
        end = end or self.clock.now()
        start = start or end - timedelta(days=365)
        with self.db.read() as session:
            rows = list(
                session.scalars(
                    select(Alarm).where(Alarm.raised_at >= start, Alarm.raised_at <= end)
                )
            )
        drills = [a for a in rows if a.drill or a.resolution == AlarmResolution.DRILL]
        real = [a for a in rows if a not in drills and a.resolution != MERGED]
        by_resolution: dict[str, int] = {}
        for a in real:
            if a.resolved_at is not None:
                by_resolution[a.resolution] = by_resolution.get(a.resolution, 0) + 1
        ack = [(a.acknowledged_at - a.raised_at).total_seconds() for a in real if a.acknowledged_at]
        res = [(a.resolved_at - a.raised_at).total_seconds() for a in real if a.resolved_at]
        return AlarmStats(
            total=len(real),
            by_resolution=by_resolution,
            open=sum(a.resolved_at is None for a in real),
            median_to_acknowledge_s=statistics.median(ack) if ack else None,
            median_to_resolve_s=statistics.median(res) if res else None,
            drills=len(drills),
        )
