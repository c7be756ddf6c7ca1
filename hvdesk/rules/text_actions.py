"""What a text from staff may do to a visit, and what hvdesk answers. Pure, like the tracker rules.

Safe by default:
- a text acts only on a visit that is out now, and only with the sender's PIN (a spoofed sender
  number alone is not enough); the safe word needs no PIN;
- a text arrives late when the gateway is slow: it is recorded at the time it was sent, so it can
  only say the staff were fine *then*; a text never resolves an alarm (the office does, after
  speaking to them), so a late 'OK' can never clear an alarm raised for a later deadline;
- two visits out for one person: hvdesk asks which (the family name in the text chooses);
- three wrong PINs in a row may be someone else holding the phone, or staff told to text under
  pressure: an amber 'possible duress' alarm for the office to ring them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.rules.deadlines import Deadline, Kind, TrackState, VisitLike, is_tracked, phase
from hvdesk.rules.texts import Command

WRONG_PINS_FOR_DURESS = 3
WRONG_PIN_WINDOW = timedelta(minutes=30)  # wrong PINs further apart are slips, not a pattern
LATE_TEXT_AFTER = timedelta(minutes=2)  # a gateway delay worth saying on the timeline
INNOCENT_REPLY = "Thanks, noted."  # the duress reply: nothing on their screen gives them away
HELP_REPLY = (
    "hvdesk: text OK, ARRIVED, LEFT, BACK or LATE 20 with your 4-digit PIN, e.g. OK 1234. "
    "In danger? Ring 999."
)
NOT_OUT_REPLY = "hvdesk: you have no visit out now, so nothing was recorded. Ring the office."
WRONG_PIN_REPLY = (
    "hvdesk: that PIN is not right, so nothing was recorded. Try again or ring the office."
)
NO_PIN_REPLY = "hvdesk: add your 4-digit PIN, e.g. {example}. Nothing was recorded yet."


def alarm_code(alarm_id: int) -> str:
    """The 4-digit code an alarm text carries; an escalation contact replies TAKE <code>."""
    return f"{alarm_id % 10000:04d}"


class Action(StrEnum):
    ARRIVE = "arrive"
    CHECK_IN = "check_in"
    LEAVE = "leave"
    RETURN = "return"
    LATE = "late"


class Outcome(StrEnum):
    """How an inbound text was handled: kept with the text, so the wrong-PIN streak is derived."""

    RECORDED = "recorded"  # the visit changed (check-in, arrived, left, back, late)
    DURESS = "duress"  # the safe word: duress alarm raised
    DURESS_NO_VISIT = "duress_no_visit"  # the safe word, but no visit today to raise it on
    WRONG_PIN = "wrong_pin"
    NO_PIN = "no_pin"
    NOT_OUT = "not_out"  # right person, right PIN, no visit out
    ASK_WHICH = "ask_which"  # two visits out: asked which
    REFUSED = "refused"  # the visit's state does not allow it
    HELP = "help"
    TAKEN = "taken"  # an alarm taken by reply
    TAKE_REFUSED = "take_refused"
    CONFIRMED = "confirmed"  # an out-of-hours responsible contact confirmed they are monitoring
    STOP = "stop"
    START = "start"
    UNKNOWN_SENDER = "unknown_sender"  # logged, never acted on, never answered


# A right PIN ends a run of wrong ones.
PIN_ACCEPTED = frozenset({Outcome.RECORDED, Outcome.NOT_OUT, Outcome.ASK_WHICH, Outcome.REFUSED})

_BY_PHASE: dict[str, dict[Command, Action]] = {
    "out": {
        Command.OK: Action.CHECK_IN,
        Command.ARRIVED: Action.ARRIVE,
        Command.LEFT: Action.LEAVE,
        Command.BACK: Action.RETURN,
        Command.LATE: Action.LATE,
    },
    "on_site": {
        Command.OK: Action.CHECK_IN,
        Command.ARRIVED: Action.CHECK_IN,  # already recorded: still proof they were fine
        Command.LEFT: Action.LEAVE,
        Command.BACK: Action.RETURN,
        Command.LATE: Action.LATE,
    },
    "left_property": {
        Command.OK: Action.CHECK_IN,
        Command.ARRIVED: Action.CHECK_IN,  # a late text from before they left
        Command.LEFT: Action.CHECK_IN,
        Command.BACK: Action.RETURN,
        Command.LATE: Action.LATE,
    },
    "heading_back": {  # cancelled while out: tracked until back at school
        Command.OK: Action.CHECK_IN,
        Command.ARRIVED: Action.CHECK_IN,
        Command.LEFT: Action.CHECK_IN,
        Command.BACK: Action.RETURN,
        Command.LATE: Action.LATE,
    },
}


def visit_action(command: Command, visit: VisitLike) -> Action | None:
    """What a visit command does to this visit now; None when the visit is not out."""
    if not is_tracked(visit):
        return None
    return _BY_PHASE[phase(visit)].get(command)


DEPARTURE_SLACK = timedelta(minutes=2)


def sent_before_departure(sent_at: datetime, departed_at: datetime | None) -> bool:
    """A text sent before this visit left speaks for an earlier trip, never for this one.

    The gateway may hold a text for hours: last night's 'BACK' must not end today's tracking.
    A text from the minutes around departure still counts: gateways give whole seconds, and the
    phone network's clock and this PC's are not exactly the same.
    """
    return departed_at is not None and sent_at < departed_at - DEPARTURE_SLACK


def too_old_reply(sent_at: datetime, departed_at: datetime) -> str:
    return (
        f"hvdesk: your text sent {fmt_datetime(sent_at)} reached hvdesk only now, before this "
        f"visit left at {fmt_time(departed_at)}, so nothing was recorded. Text again if needed."
    )


@dataclass(frozen=True)
class EarlierText:
    """A text the same person sent before, as far as the wrong-PIN rule needs it."""

    outcome: str
    sent_at: datetime
    raised_alarm: bool = False  # this wrong PIN raised the possible-duress alarm


def wrong_pin_streak(earlier_newest_first: Sequence[EarlierText], at: datetime) -> int:
    """Wrong PINs in a row ending with this one (sent `at`), within WRONG_PIN_WINDOW.

    The run ends at a text with the right PIN, at the wrong PIN that last raised the alarm (so
    three more after the office resolved it raise it again), and at the window's edge (a slip
    last week is not part of today's)."""
    streak = 1
    for text in earlier_newest_first:
        if text.sent_at < at - WRONG_PIN_WINDOW or text.outcome in PIN_ACCEPTED:
            break
        if text.outcome == Outcome.WRONG_PIN:
            if text.raised_alarm:
                break
            streak += 1
    return streak


def raises_possible_duress(streak: int) -> bool:
    """Three wrong PINs in a row (the run then starts again from the one that raised it)."""
    return streak >= WRONG_PINS_FOR_DURESS


@dataclass(frozen=True)
class VisitChoice:
    visit_id: int
    family: str  # the household's name, e.g. "Clarke family"


def choose_visit(visits: Sequence[VisitChoice], words: Sequence[str]) -> VisitChoice | None:
    """The one visit a text is about: the only one out, or the one whose family it names."""
    if len(visits) == 1:
        return visits[0]
    wanted = {w.lower() for w in words}
    named = [v for v in visits if wanted & set(v.family.lower().replace(",", " ").split())]
    return named[0] if len(named) == 1 else None


def ask_which_reply(visits: Sequence[VisitChoice], command: str) -> str:
    names = ", ".join(_surname(v.family) for v in visits)
    example = _surname(visits[0].family).upper() if visits else "SMITH"
    return (
        f"hvdesk: you have {len(visits)} visits out ({names}). Send it again with the family "
        f"name, e.g. {command.upper()} and your PIN then {example}."
    )


def _surname(family: str) -> str:
    words = [w for w in family.replace(",", " ").split() if w.lower() not in {"family", "the"}]
    return words[0] if words else family


def recorded_at(sent_at: datetime | None, received_at: datetime) -> datetime:
    """When the text says things stood: the time it was sent, never later than hvdesk got it."""
    if sent_at is None:
        return received_at
    return min(sent_at, received_at)


def delay_note(sent_at: datetime | None, received_at: datetime) -> str:
    """'sent 10:02, reached hvdesk 10:09' when the gateway held it long enough to matter."""
    if sent_at is None or received_at - sent_at < LATE_TEXT_AFTER:
        return ""
    return f"sent {fmt_time(sent_at)}, reached hvdesk {fmt_time(received_at)}"


def confirmation(
    action: Action,
    at: datetime,
    next_due: datetime | None,
    *,
    new_return: datetime | None = None,
    alarm_open: bool = False,
) -> str:
    """The reply to a recorded text: what was recorded, when, and what is due next."""
    time = fmt_time(at)
    first = {
        Action.CHECK_IN: f"Checked in {time}.",
        Action.ARRIVE: f"Arrived {time}.",
        Action.LEAVE: f"Left the property {time}.",
        Action.RETURN: f"Back at school {time}. Thank you.",
        Action.LATE: f"Running late: now expected back {fmt_time(new_return)}.",
    }[action]
    parts = [first]
    if next_due is not None and action is not Action.RETURN:
        parts.append(f"Next due {fmt_time(next_due)}.")
    if alarm_open:
        parts.append("The office will ring you about the alarm.")
    return " ".join(parts)


# Thomas More, by text: 'ARRIVED 1234 PARENT' (one is there) or 'ARRIVED 1234 NO PARENT'.
PARENT_WORDS = frozenset({"parent", "parents", "carer", "carers", "mum", "dad", "mother", "father"})
NOT_THERE_WORDS = frozenset({"no", "not", "none", "nobody", "noone", "absent", "isnt", "arent"})
PARENT_QUESTION = (
    "Is a parent or carer present? This visit goes ahead only with one there. If so, text "
    "ARRIVED PARENT and your PIN. If not, do not go in: text ARRIVED NO PARENT and your PIN, "
    "and wait."
)


def parent_present_answer(words: Sequence[str]) -> bool | None:
    """What an ARRIVED text says about the parent: True present, False not, None not said.

    The on-screen Arrived button asks the same question before a visit that needs a parent."""
    said = set(words)
    if said & {"nobody", "noone"} or (said & PARENT_WORDS and said & NOT_THERE_WORDS):
        return False
    return True if said & PARENT_WORDS else None


SAFETY_CHECK_KINDS = (Kind.CHECKIN, Kind.ARRIVAL)


def safety_checks_due(state: TrackState, now: datetime) -> list[Deadline]:
    """Calls the worker owes now and has not made: due, not yet an alarm (the office has that)."""
    return [
        d
        for d in state.deadlines
        if d.kind in SAFETY_CHECK_KINDS
        and d.due_at <= now
        and not d.lapsed(now)
        and not d.alarm_open
        and not d.handled
    ]


def safety_check_text(family: str, deadline: Deadline) -> str:
    what = "arrival call" if deadline.kind is Kind.ARRIVAL else "check-in"
    command = "ARRIVED" if deadline.kind is Kind.ARRIVAL else "OK"
    return f"hvdesk: your {what} for the {family} is due; reply {command} and your PIN."
