"""Who outside the office is told about an alarm, what they are told, and when.

An alarm nobody takes on a PC leaves the building (DESIGN 5 and 12):
- the visit's out-of-hours responsible contact (a person at home, Harborne) is told first, at once,
  and was told when the staff left;
- then the escalation contacts in order: the first N minutes after the alarm was raised (policy
  `escalate_after_min`, default 2), the next every N minutes after that, until someone takes it;
- duress does not wait: the first contact is told at once, the next N minutes later;
- once someone takes the alarm (or it is resolved) nobody new is told, and everyone already told gets
  'handled by Linda Francis at 10:05';
- a drill is labelled DRILL in every message;
- messages carry the least that lets a person act: names, address, times, vehicle, the ladder step
  and how to take it. Never a safe word, never risk notes beyond "see hvdesk": the facts below have
  no field that could carry them.

Pure functions over plain facts and an injected `now`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hvdesk.clock import fmt_time

ALARM = "alarm"
HANDLED = "handled"
DEPARTED = "departed"
TEST = "test"


@dataclass(frozen=True)
class Person:
    contact_id: int
    name: str
    mobile: str = ""  # E.164
    email: str = ""


@dataclass(frozen=True)
class AlarmFacts:
    alarm_id: int
    raised_at: datetime
    drill: bool = False
    duress_at: datetime | None = None  # when it became (or was raised as) duress
    # when hvdesk learnt of it: later than duress_at for a texted safe word the gateway held
    duress_known_at: datetime | None = None
    taken_at: datetime | None = None
    taken_by: str = ""
    resolved_at: datetime | None = None
    resolved_by: str = ""
    merged: bool = False  # a later lapse folded into the visit's open alarm: never told apart

    @property
    def handled_at(self) -> datetime | None:
        times = [t for t in (self.taken_at, self.resolved_at) if t is not None]
        return min(times) if times else None

    @property
    def handled_by(self) -> str:
        if self.taken_at is not None and (
            self.resolved_at is None or self.taken_at <= self.resolved_at
        ):
            return self.taken_by
        return self.resolved_by


@dataclass(frozen=True)
class Notice:
    person: Person
    kind: str  # ALARM | HANDLED
    due_at: datetime


def schedule(
    facts: AlarmFacts,
    ladder: Sequence[Person],
    responsible: Person | None,
    every: timedelta,
) -> list[tuple[Person, datetime]]:
    """When each person is due to be told if nobody takes the alarm: responsible contact first."""
    order: list[tuple[Person, datetime]] = []
    if responsible is not None:
        order.append((responsible, facts.raised_at))
    start = ladder_starts(facts, every)
    others = [p for p in ladder if responsible is None or p.contact_id != responsible.contact_id]
    order += [(person, start + i * every) for i, person in enumerate(others)]
    return order


def ladder_starts(facts: AlarmFacts, every: timedelta) -> datetime:
    """When the first escalation contact is due: `every` after the alarm, at once on duress."""
    start = facts.raised_at + every
    return min(start, facts.duress_at) if facts.duress_at is not None else start


def due(
    facts: AlarmFacts,
    ladder: Sequence[Person],
    responsible: Person | None,
    told: Collection[int],
    told_handled: Collection[int],
    now: datetime,
    every: timedelta,
) -> list[Notice]:
    """The notices to queue now: alarm notices not yet sent, or 'handled' to everyone told.

    `told` holds the contacts already sent this alarm, `told_handled` those already told it is
    handled. Queueing what this returns and calling again returns nothing new (idempotent).
    """
    if facts.merged:
        return []
    handled = facts.handled_at
    if handled is not None and handled <= now:
        return [
            Notice(person, HANDLED, handled)
            for person in _people(ladder, responsible)
            if person.contact_id in told and person.contact_id not in told_handled
        ]
    return [
        Notice(person, ALARM, when)
        for person, when in schedule(facts, ladder, responsible, every)
        if when <= now and person.contact_id not in told
    ]


def next_due(
    facts: AlarmFacts,
    ladder: Sequence[Person],
    responsible: Person | None,
    told: Collection[int],
    now: datetime,
    every: timedelta,
) -> datetime | None:
    """When the next person becomes due (for the timer), or None when nobody else will be."""
    if facts.merged or facts.handled_at is not None:
        return None
    return min(
        (
            when
            for person, when in schedule(facts, ladder, responsible, every)
            if when > now and person.contact_id not in told
        ),
        default=None,
    )


def _people(ladder: Sequence[Person], responsible: Person | None) -> list[Person]:
    people = [responsible] if responsible is not None else []
    return people + [p for p in ladder if p not in people]


# --- words ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitFacts:
    """What a message may say about a visit: names, address, times, vehicle. Nothing else."""

    staff_names: Sequence[str]
    household: str  # "Clarke family"
    address: str  # one line with the postcode
    vehicle: str = ""
    expected_return: datetime | None = None
    school: str = "hvdesk"
    office_phone: str = ""  # as dialled in the UK
    # An alarm about a person with no one visit (household and address empty): where to look,
    # e.g. "no visit out; last known: back from Clarke family, 14 Hill Street at 12:10".
    where: str = ""

    @property
    def place(self) -> str:
        """'at Clarke family, 14 Hill Street', or for a person with no one visit: where to look."""
        if self.household:
            return f"at {self.household}, {self.address}"
        return f"- {self.where or 'no visit out'}"

    @property
    def home(self) -> str:
        """'Clarke family', or 'no visit out' / '2 visits out' for a person with no one visit."""
        return self.household or self.where.split(";")[0].split(":")[0] or "no visit out"


def _names(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _drill(text: str, drill: bool) -> str:
    return f"DRILL - {text}" if drill else text


def _take_it(visit: VisitFacts, take_code: str = "") -> str:
    office = f"call the office on {visit.office_phone}" if visit.office_phone else "call the office"
    by_text = f"reply TAKE {take_code} by text, " if take_code else ""
    return f"To take it: {by_text}{office}, or open hvdesk and press 'I'm handling this'."


def _duress_when(since: datetime, reached: datetime | None) -> str:
    """'since 10:40', or 'sent 10:40, reached hvdesk 10:41' (as the timeline says it) when the
    text that raised it reached hvdesk in a later minute than it was sent."""
    if reached is None or fmt_time(reached) == fmt_time(since):
        return f"since {fmt_time(since)}"
    return f"sent {fmt_time(since)}, reached hvdesk {fmt_time(reached)}"


def alarm_message(
    visit: VisitFacts,
    *,
    reason: str,
    overdue_since: datetime | None,
    step: int,
    step_title: str,
    drill: bool,
    duress: bool,
    responsible: bool = False,
    take_code: str = "",
    duress_since: datetime | None = None,
    duress_reached: datetime | None = None,
) -> tuple[str, str]:
    """(subject, body) for an alarm nobody at the office has taken yet.

    `take_code` is given when two-way texts are on: the person can take it by replying.
    `duress_since` is when the duress began: a text read minutes later must say how long ago.
    `duress_reached` is when hvdesk knew: a texted safe word the gateway held says both.
    """
    what = "DURESS: staff need help now" if duress else reason
    since = ""
    if duress and duress_since is not None:
        since = f" ({_duress_when(duress_since, duress_reached)})"
    elif overdue_since is not None and not duress and fmt_time(overdue_since) not in reason:
        since = f" since {fmt_time(overdue_since)}"  # the reason may already say when
    lines = [
        f"{visit.school} ALARM: {what}{since}.",
        f"{_names(visit.staff_names)} {visit.place}.",
    ]
    if visit.vehicle:
        lines.append(f"Vehicle: {visit.vehicle}.")
    lines.append(f"Ladder step {step}: {step_title}. Nobody at the office has taken it yet.")
    if responsible:
        lines.append("You are their responsible contact for this visit.")
    lines.append(_take_it(visit, take_code))
    lines.append("Known risks: see hvdesk.")
    subject = _drill(f"hvdesk alarm: {_names(visit.staff_names)} - {what}", drill)
    return subject, _drill(" ".join(lines), drill)


def handled_message(visit: VisitFacts, *, by: str, at: datetime, drill: bool) -> tuple[str, str]:
    body = (
        f"{visit.school}: the alarm for {_names(visit.staff_names)} ({visit.home}) is "
        f"handled by {by} at {fmt_time(at)}. No action needed from you."
    )
    subject = _drill(f"hvdesk alarm handled by {by} at {fmt_time(at)}", drill)
    return subject, _drill(body, drill)


def departure_message(
    visit: VisitFacts, *, departed_at: datetime, contact_name: str
) -> tuple[str, str]:
    """The out-of-hours responsible contact is told when the staff leave (Harborne)."""
    back = f", expected back {fmt_time(visit.expected_return)}" if visit.expected_return else ""
    body = (
        f"{_names(visit.staff_names)} left for the {visit.household} at {fmt_time(departed_at)}"
        f"{back}. You are their responsible contact: hvdesk will text you if they are overdue."
    )
    return f"hvdesk: you are the responsible contact for {_names(visit.staff_names)}", body


def test_message(school: str, channel: str) -> tuple[str, str]:
    body = (
        f"Test message from hvdesk at {school}. If you can read this, hvdesk can reach you by "
        f"{'text' if channel == 'sms' else 'email'}. No action needed."
    )
    return "hvdesk test message", body
