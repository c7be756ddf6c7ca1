"""Deadlines and alarm levels of a visit that is out: pure functions of (visit, events, policy, now).

DESIGN sections 4, 5 and 10, from the seed policies:
- check in every N minutes while out (Harborne 60, St Hugh's / Harrogate 120), counted from the last
  contact, and a call on arrival before the visit (St Hugh's, Harrogate: 'before and after');
- the office rings the worker N minutes after the scheduled start (Harborne 10): a reminder;
- back by the expected return plus a grace (Hampton 30, Thomas More 0);
- 'phone if more than 15 minutes late' (Hampton): a reminder;
- parents absent: wait 10/20 minutes (30 if they said they are late, Harrogate), then cancel.

A deadline is **amber** from a few minutes before it is due, and **lapsed** (a red alarm) once it is
past due plus its grace. Arithmetic is on aware UTC datetimes, so an interval is elapsed time even on
the nights the clocks change; times are only turned into Europe/London for display.

Every deadline has a key that depends only on stored facts (its kind and due time), so the same lapse
always maps to the same Alarm row (unique per visit and key): raised exactly once, across restarts,
sleeps and seats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any, Protocol

from hvdesk.clock import fmt_time
from hvdesk.events import EventKind
from hvdesk.policy import PolicySettings

ACTIVE = ("out", "on_site", "left_property")


class Level(IntEnum):
    """How urgent a visit is. Ordered, so max() of several is the most urgent."""

    OK = 0
    AMBER = 1  # due within a few minutes, or due now
    RED = 2  # lapsed: due plus grace has passed, or an alarm is open
    DURESS = 3  # staff need help now


LEVEL_WORDS = {Level.OK: "OK", Level.AMBER: "DUE", Level.RED: "OVERDUE", Level.DURESS: "DURESS"}


class Kind(StrEnum):
    ARRIVAL = "arrival"  # the call on arrival, before going in
    CHECKIN = "checkin"  # the regular check-in while out
    CALL_BACK = "call_back"  # the office rang and nobody answered
    RETURN = "return"  # back at school
    OFFICE_CALL = "office_call"  # reminder: the office rings N min after the start (Harborne)
    PARENT_WAIT = "parent_wait"  # reminder: parents not present, the wait is over
    LATE_PHONE = "late_phone"  # reminder: more than N min late and no call (Hampton)


# Kinds whose lapse raises a red alarm. The others are reminders: amber at most.
ALARM_KINDS = frozenset({Kind.ARRIVAL, Kind.CHECKIN, Kind.CALL_BACK, Kind.RETURN})

WHAT = {
    Kind.ARRIVAL: "Arrival call",
    Kind.CHECKIN: "Check-in",
    Kind.CALL_BACK: "Call back after no answer",
    Kind.RETURN: "Back at school",
    Kind.OFFICE_CALL: "Office call to the worker",
    Kind.PARENT_WAIT: "Wait for parents ends",
    Kind.LATE_PHONE: "Late call from staff",
}
OVERDUE_REASON = {
    Kind.ARRIVAL: "No arrival call",
    Kind.CHECKIN: "Check-in overdue",
    Kind.CALL_BACK: "No answer to the office call",
    Kind.RETURN: "Return overdue",
}

# Events that prove the office heard from the staff (data flags mark calls and ladder results).
CONTACT_KINDS = frozenset(
    {
        EventKind.DEPARTED,
        EventKind.ARRIVED,
        EventKind.CHECKED_IN,
        EventKind.LEFT_PROPERTY,
        EventKind.RUNNING_LATE,
        EventKind.PARENT_NOT_PRESENT,
    }
)
# Results of resolving an alarm that mean someone spoke to the staff.
CONTACT_RESOLUTIONS = frozenset({"safe_forgot", "safe_delayed", "false_alarm"})
MERGED = "merged"  # resolution of an Alarm row folded into the visit's open alarm
# An open alarm's level on the board ('amber': possible duress, the office rings to check).
ALARM_LEVELS = {"amber": Level.AMBER, "red": Level.RED, "duress": Level.DURESS}


class VisitLike(Protocol):
    id: int
    status: str
    planned_departure: datetime
    start: datetime
    end: datetime
    expected_return: datetime
    departed_at: datetime | None
    arrived_at: datetime | None
    left_at: datetime | None
    returned_at: datetime | None


class EventLike(Protocol):
    kind: str
    at: datetime
    data: dict[str, Any]


class AlarmLike(Protocol):
    deadline_key: str
    level: str
    resolved_at: datetime | None
    resolution: str
    drill: bool


def is_tracked(visit: VisitLike) -> bool:
    """Out now. A visit cancelled while out (parents absent) is tracked until they are back."""
    if visit.status in ACTIVE:
        return True
    return visit.status == "cancelled" and visit.departed_at is not None and not visit.returned_at


def phase(visit: VisitLike) -> str:
    return visit.status if visit.status in ACTIVE else "heading_back"


def deadline_key(kind: Kind | str, due_at: datetime) -> str:
    """Stable: the same lapse gives the same key on every seat and after every restart."""
    return f"{kind}@{due_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def is_contact(event: EventLike) -> bool:
    data = event.data or {}
    if data.get("drill"):
        return False
    if event.kind in CONTACT_KINDS:
        return True
    if event.kind == EventKind.OFFICE_CALL:
        return bool(data.get("answered"))
    if event.kind in (EventKind.ESCALATION_STEP, EventKind.ALARM_RESOLVED):
        return bool(data.get("contact"))
    return False


@dataclass(frozen=True)
class Deadline:
    kind: Kind
    due_at: datetime
    warn_at: datetime  # amber from here
    lapse_at: datetime | None  # red alarm from here; None for a reminder
    alarm_open: bool = False  # an unresolved alarm was raised for this key
    handled: str = ""  # resolution of the alarm raised for this key, once resolved

    @property
    def key(self) -> str:
        return deadline_key(self.kind, self.due_at)

    @property
    def raises_alarm(self) -> bool:
        return self.lapse_at is not None

    @property
    def what(self) -> str:
        return WHAT[self.kind]

    def lapsed(self, now: datetime) -> bool:
        """Past due plus grace (the grace edge itself counts as lapsed)."""
        return self.lapse_at is not None and now >= self.lapse_at

    def level(self, now: datetime) -> Level:
        if self.alarm_open:
            return Level.RED
        if self.handled:
            # The alarm was dealt with; a return time still in the past needs a new time.
            return Level.AMBER if self.kind is Kind.RETURN else Level.OK
        if self.lapsed(now):
            return Level.RED
        if now >= self.warn_at:
            return Level.AMBER
        return Level.OK

    def changes(self) -> list[datetime]:
        """Moments when this deadline's level can change (for the scheduler)."""
        points = [self.warn_at, self.due_at]
        if self.lapse_at is not None:
            points.append(self.lapse_at)
        return points

    def reason(self) -> str:
        """What an alarm for this deadline says is overdue."""
        if self.kind is Kind.RETURN:
            return f"{OVERDUE_REASON[self.kind]} (expected back {fmt_time(self.due_at)})"
        if self.kind is Kind.ARRIVAL:
            return f"{OVERDUE_REASON[self.kind]} (due {fmt_time(self.due_at)})"
        if self.kind is Kind.CALL_BACK:
            return f"{OVERDUE_REASON[self.kind]} at {fmt_time(self.due_at)}"
        return f"{OVERDUE_REASON.get(self.kind, self.what)} (due {fmt_time(self.due_at)})"


@dataclass(frozen=True)
class Contact:
    kind: str
    at: datetime
    note: str = ""
    by: str = ""
    by_text: bool = False  # the staff texted it in themselves


@dataclass(frozen=True)
class TrackState:
    """Everything the tracker knows about one visit that is out, at no particular time."""

    visit_id: int
    phase: str  # out | on_site | left_property | heading_back (cancelled while out)
    deadlines: tuple[Deadline, ...]
    last_contact: Contact | None
    alarm_level: Level = Level.OK  # from open (non-drill) alarms of the visit
    drill_open: bool = False
    return_due: datetime | None = None
    parent_wait_until: datetime | None = None

    def level(self, now: datetime) -> Level:
        return max([self.alarm_level, *(d.level(now) for d in self.deadlines)], default=Level.OK)

    def focus(self, now: datetime) -> Deadline | None:
        """The deadline to show: the most urgent, then the soonest."""
        if not self.deadlines:
            return None
        return min(self.deadlines, key=lambda d: (-d.level(now), d.due_at))

    def lapsed(self, now: datetime) -> list[Deadline]:
        """Lapsed alarm deadlines with no alarm raised yet, earliest lapse first."""
        due = [
            d
            for d in self.deadlines
            if d.lapsed(now) and not d.alarm_open and not d.handled and d.kind in ALARM_KINDS
        ]
        return sorted(due, key=lambda d: (d.lapse_at, d.kind))

    def next_change(self, now: datetime) -> datetime | None:
        """The next moment a level changes or an alarm is due: when the scheduler must look."""
        future = [t for d in self.deadlines for t in d.changes() if t > now]
        return min(future, default=None)

    def next_lapse(self, now: datetime) -> datetime | None:
        future = [
            d.lapse_at
            for d in self.deadlines
            if d.lapse_at is not None and d.lapse_at > now and not d.handled
        ]
        return min(future, default=None)

    def urgency(self, now: datetime) -> tuple[int, datetime, int]:
        """Sort key: most urgent level first; then the longest overdue / soonest due."""
        focus = self.focus(now)
        when = focus.due_at if focus else datetime.max.replace(tzinfo=UTC)
        return (-int(self.level(now)), when, self.visit_id)


def _latest(events: Iterable[EventLike], kind: str) -> EventLike | None:
    found = [e for e in events if e.kind == kind]
    return max(found, key=lambda e: e.at) if found else None


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def current_return(visit: VisitLike, events: Sequence[EventLike]) -> datetime:
    """The expected return, moved by the latest 'running late' call."""
    late = _latest(events, EventKind.RUNNING_LATE)
    new = _parse(late.data.get("new_return")) if late is not None and late.data else None
    return new or visit.expected_return


def _phoned_about_lateness(events: Sequence[EventLike], expected_back: datetime) -> bool:
    """Staff phoned, so 'running late with no call' would be false (Hampton: phone if > 15 min).

    A 'running late' call without a new time, or any call from them once the expected return has
    passed, is the phone call the policy asks for; a call with a new time has already moved the
    expected return itself.
    """
    late = _latest(events, EventKind.RUNNING_LATE)
    if late is not None and _parse((late.data or {}).get("new_return")) is None:
        return True
    return any(is_contact(e) and e.at >= expected_back for e in events)


def parent_wait_minutes(late_notice: bool, policy: PolicySettings) -> int:
    """10/20 minutes, or the longer wait when parents said they would be late (Harrogate 30)."""
    if late_notice and policy.parent_wait_if_late_notice_min is not None:
        return policy.parent_wait_if_late_notice_min
    return policy.parent_wait_min


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def track(
    visit: VisitLike,
    events: Sequence[EventLike],
    policy: PolicySettings,
    alarms: Sequence[AlarmLike] = (),
) -> TrackState:
    """The deadlines of one visit that is out. Pure: the same inputs give the same answer."""
    ph = phase(visit)
    warn, grace = _minutes(policy.amber_warning_min), _minutes(policy.checkin_grace_min)
    departed = visit.departed_at or visit.planned_departure
    # Left earlier than booked: the arrival call moves earlier with them, so the call at the door
    # is never due later than the real journey makes it, and the check-in interval runs from the
    # real departure, so nobody out is uncovered. The return, the office call and the wait for
    # parents keep the booked times (what the school and the parents agreed). A late departure
    # moves the arrival call later; they phone with a new return if they will be late.
    events = sorted(events, key=lambda e: e.at)
    contacts = [e for e in events if is_contact(e)]
    last = contacts[-1] if contacts else None
    anchor = max(last.at, departed) if last is not None else departed
    deadlines: list[Deadline] = []

    # The regular check-in, from the last time anyone heard from them.
    due = anchor + _minutes(policy.checkin_interval_min)
    deadlines.append(Deadline(Kind.CHECKIN, due, due - warn, due + grace))
    deadlines += _calls(visit, events, contacts, ph, policy)

    ret = current_return(visit, events)
    deadlines.append(
        Deadline(Kind.RETURN, ret, ret - warn, ret + _minutes(policy.return_grace_min))
    )
    if policy.late_phone_reminder_min is not None and not _phoned_about_lateness(events, ret):
        due = ret + _minutes(policy.late_phone_reminder_min)
        deadlines.append(Deadline(Kind.LATE_PHONE, due, due, None))

    wait_until = _parent_wait_until(visit, events, ph, policy)
    if wait_until is not None:
        deadlines.append(Deadline(Kind.PARENT_WAIT, wait_until, wait_until - warn, None))

    marked, open_levels = _with_alarms(deadlines, alarms)
    contact = (
        Contact(
            last.kind,
            last.at,
            getattr(last, "note", "") or "",
            getattr(last, "user_name", ""),
            bool((last.data or {}).get("by_text")),
        )
        if last is not None
        else None
    )
    return TrackState(
        visit_id=visit.id,
        phase=ph,
        deadlines=tuple(sorted(marked, key=lambda d: (d.due_at, d.kind))),
        last_contact=contact,
        alarm_level=max(open_levels, default=Level.OK),
        drill_open=any(a.drill and a.resolved_at is None for a in alarms),
        return_due=ret,
        parent_wait_until=wait_until,
    )


def _calls(
    visit: VisitLike,
    events: Sequence[EventLike],
    contacts: Sequence[EventLike],
    ph: str,
    policy: PolicySettings,
) -> list[Deadline]:
    """The calls around the visit: on arrival, the office's call, and a call back after none."""
    warn, grace = _minutes(policy.amber_warning_min), _minutes(policy.checkin_grace_min)
    departed = visit.departed_at or visit.planned_departure
    found: list[Deadline] = []
    arrived = visit.arrived_at is not None or any(
        e.kind in (EventKind.ARRIVED, EventKind.PARENT_NOT_PRESENT) for e in events
    )
    if ph == "out" and not arrived and policy.checkin_before_and_after:
        travel = max(visit.start - visit.planned_departure, timedelta(0))
        due = departed + travel
        found.append(Deadline(Kind.ARRIVAL, due, due - warn, due + grace))

    if policy.office_call_after_start_min is not None and ph in ("out", "on_site"):
        due = visit.start + _minutes(policy.office_call_after_start_min)
        # Made, or as good as made: the office heard from them around that time anyway.
        made = any(e.kind == EventKind.OFFICE_CALL and e.at >= due - warn for e in events) or any(
            c.at >= due - warn for c in contacts
        )
        if not made:
            found.append(Deadline(Kind.OFFICE_CALL, due, due - warn, None))

    unanswered = _latest(events, EventKind.OFFICE_CALL)
    if (
        unanswered is not None
        and not (unanswered.data or {}).get("answered")
        and not any(c.at > unanswered.at for c in contacts)
    ):
        at = unanswered.at
        found.append(Deadline(Kind.CALL_BACK, at, at, at + grace))
    return found


def _parent_wait_until(
    visit: VisitLike, events: Sequence[EventLike], ph: str, policy: PolicySettings
) -> datetime | None:
    """Parents not present: when the wait ends (None if nobody is waiting, or it has ended)."""
    absent = _latest(events, EventKind.PARENT_NOT_PRESENT)
    if absent is None or ph not in ("out", "on_site"):
        return None
    ended = any(
        e.at > absent.at
        and (
            e.kind in (EventKind.LEFT_PROPERTY, EventKind.RETURNED)
            or (e.kind == EventKind.CHECKED_IN and (e.data or {}).get("parent_arrived"))
        )
        for e in events
    )
    if ended:
        return None
    data = absent.data or {}
    minutes = data.get("wait_min") or parent_wait_minutes(bool(data.get("late_notice")), policy)
    return max(visit.start, absent.at) + _minutes(int(minutes))


def _with_alarms(
    deadlines: list[Deadline], alarms: Sequence[AlarmLike]
) -> tuple[list[Deadline], list[Level]]:
    """Alarms already raised: open ones keep the visit red; resolved ones mark their lapse
    handled (so a lapse is raised once)."""
    real = [a for a in alarms if not a.drill]
    by_key = {a.deadline_key: a for a in real}
    marked = []
    for d in deadlines:
        alarm = by_key.get(d.key)
        if alarm is None:
            marked.append(d)
        elif alarm.resolved_at is None:
            marked.append(replace(d, alarm_open=True))
        else:
            marked.append(replace(d, handled=alarm.resolution or "resolved"))
    open_levels = [ALARM_LEVELS.get(a.level, Level.RED) for a in real if a.resolved_at is None]
    return marked, open_levels


def clock_text(seconds: float) -> str:
    """12:40 for a countdown under an hour, 1 h 05 min beyond."""
    seconds = int(abs(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 60}:{seconds % 60:02d}"


SECONDS_SHOWN_UNDER = 600  # a countdown shows seconds only in its last ten minutes


def countdown(deadline: Deadline, now: datetime) -> str:
    """'in 9:40' close to the time ('in 47 min' further off), 'overdue 6 min' or 'due now' after.

    Seconds only in the last ten minutes: they matter then, and the table does not repaint every
    row every second for deadlines an hour away.
    """
    delta = (deadline.due_at - now).total_seconds()
    if delta > 0:
        if delta < SECONDS_SHOWN_UNDER or delta >= 3600:
            return f"in {clock_text(delta)}"
        return f"in {int(-(-delta // 60))} min"
    return overdue_text(-delta)


def overdue_text(late_seconds: float) -> str:
    """'due now', 'overdue 26 min', 'overdue 1 h 16 min': the tracker and the alarm window alike."""
    if late_seconds < 60:
        return "due now"
    if late_seconds >= 3600:
        return f"overdue {clock_text(late_seconds)}"
    return f"overdue {int(late_seconds // 60)} min"


def describe(deadline: Deadline, now: datetime) -> str:
    """One line for the tracker: what, when, and how it stands."""
    when = fmt_time(deadline.due_at)
    if deadline.kind is Kind.PARENT_WAIT and now >= deadline.due_at:
        return f"Parents not here after the wait ({when}): offer to cancel"
    if deadline.kind is Kind.LATE_PHONE and now >= deadline.due_at:
        return "Running late with no call: staff must phone the office"
    if deadline.kind is Kind.OFFICE_CALL and now >= deadline.warn_at:
        return f"Office to ring the worker now (due {when})"
    if deadline.handled and deadline.kind is Kind.RETURN:
        return f"Expected back {when} has passed (alarm resolved): record a new time"
    if deadline.alarm_open or (deadline.lapsed(now) and not deadline.handled):
        return deadline.reason()
    if deadline.kind is Kind.CALL_BACK:
        return f"No answer to the office call at {when}: waiting for a call back"
    if deadline.kind is Kind.RETURN:
        return f"Expected back {when}"
    return f"{deadline.what} due {when}"
