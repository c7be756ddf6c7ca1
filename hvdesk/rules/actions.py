"""Which tracker actions a visit allows right now, each with the reason when it does not.

One pure rule for every place that offers or records an action: the Today panel's buttons, the
toolbar, the visit menus and the tracker service that finally writes it. The buttons therefore
never offer what the service would refuse, and a refusal reads the same wherever it comes from.

The facts a decision needs are plain values: the visit (its status and times, DESIGN section 4),
the moment, the end of any wait for absent parents (derived from the visit's events by
`rules.deadlines.track`), and, for departing, the title of whoever approves visits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hvdesk.clock import fmt_datetime, fmt_time, london, london_day_bounds
from hvdesk.rules.deadlines import VisitLike, is_tracked

# How early a departure may be recorded: from the start of the booked day (Europe/London), or this
# long before the booked time if that is earlier (a visit booked just after midnight). Earlier than
# that is a visit on another day or a slip of the row, and is refused. An early departure that is
# allowed moves the arrival and return deadlines earlier with it (hvdesk.rules.deadlines).
EARLY_DEPARTURE_MARGIN = timedelta(hours=2)
AT_ADDRESS = ("out", "on_site")  # on the way there or at the door / inside
CLOSED = ("cancelled", "rejected")


class Action(StrEnum):
    DEPART = "depart"
    ARRIVE = "arrive"
    CHECK_IN = "check_in"
    OFFICE_CALL = "office_call"
    LEFT_PROPERTY = "left_property"
    RETURNED = "returned"
    RUNNING_LATE = "running_late"
    PARENT_NOT_PRESENT = "parent_not_present"
    PARENT_ARRIVED = "parent_arrived"
    CANCEL_PARENT_ABSENT = "cancel_parent_absent"
    DURESS = "duress"
    DRILL = "drill"


@dataclass(frozen=True)
class Facts:
    """What the decision looks at besides the visit itself."""

    now: datetime
    parent_wait_until: datetime | None = None  # parents not present: waiting until then
    approver_title: str = "Headteacher"


@dataclass(frozen=True)
class Verdict:
    action: Action
    allowed: bool
    reason: str = ""  # why not, in a sentence a user can act on; empty when allowed

    def __bool__(self) -> bool:
        return self.allowed


def earliest_departure(planned: datetime) -> datetime:
    """The first moment a departure may be recorded for a visit leaving at `planned`."""
    day_start, _ = london_day_bounds(london(planned).date())
    return min(day_start, planned - EARLY_DEPARTURE_MARGIN)


def _status(visit: VisitLike) -> str:
    return visit.status.replace("_", " ")


def _out_only(what: str) -> Callable[[VisitLike, Facts], str]:
    def rule(visit: VisitLike, _f: Facts) -> str:
        if is_tracked(visit):
            return ""
        return f"Visit {visit.id} is {_status(visit)}: {what} is only for a visit that is out"

    return rule


def _depart(visit: VisitLike, f: Facts) -> str:
    if visit.status == "approved":
        if f.now < earliest_departure(visit.planned_departure):
            return (
                f"Visit {visit.id} is booked to leave at {fmt_datetime(visit.planned_departure)} "
                "(UK time), not today: record the departure on the day, or move the visit in the "
                "Calendar."
            )
        return ""
    if visit.departed_at is not None:
        return f"Visit {visit.id} already departed at {fmt_time(visit.departed_at)}"
    return (
        f"Visit {visit.id} is {_status(visit)}: a visit cannot depart unapproved. "
        f"Ask the {f.approver_title.lower()} to approve it first."
    )


def _arrive(visit: VisitLike, _f: Facts) -> str:
    if visit.status == "out":
        return ""
    when = f" at {fmt_time(visit.arrived_at)}" if visit.arrived_at else ""
    return f"Visit {visit.id} is {_status(visit)}{when}: 'arrived' is for a visit on its way there"


def _left(visit: VisitLike, _f: Facts) -> str:
    if visit.status in AT_ADDRESS:
        return ""
    return (
        f"Visit {visit.id} is {_status(visit)}: 'left the property' is for a visit on its way "
        "there or on site"
    )


def _returned(visit: VisitLike, _f: Facts) -> str:
    if is_tracked(visit):
        return ""
    when = f" at {fmt_time(visit.returned_at)}" if visit.returned_at else ""
    return f"Visit {visit.id} is {_status(visit)}{when}: only a visit that is out can return"


def _parent_absent(visit: VisitLike, f: Facts) -> str:
    if visit.status not in AT_ADDRESS:
        return (
            f"Visit {visit.id} is {_status(visit)}: 'parent not present' is for a visit at the "
            "address"
        )
    if f.parent_wait_until is not None:
        return (
            f"Already waiting for the parents of visit {visit.id} until "
            f"{fmt_time(f.parent_wait_until)}"
        )
    return ""


def _waiting(visit: VisitLike, f: Facts) -> str:
    if f.parent_wait_until is not None and is_tracked(visit):
        return ""
    return f"Nobody is waiting for the parents on visit {visit.id}"


def _duress(visit: VisitLike, _f: Facts) -> str:
    if is_tracked(visit):
        return ""
    return (
        f"Visit {visit.id} is {_status(visit)}: duress is for a visit that is out now. If staff "
        "are in danger, ring 999 at once."
    )


def _drill(visit: VisitLike, _f: Facts) -> str:
    if visit.status in CLOSED and not is_tracked(visit):
        return (
            f"Visit {visit.id} is {_status(visit)}: choose a visit that is going ahead for a drill"
        )
    return ""


RULES: dict[Action, Callable[[VisitLike, Facts], str]] = {
    Action.DEPART: _depart,
    Action.ARRIVE: _arrive,
    Action.CHECK_IN: _out_only("a check-in"),
    Action.OFFICE_CALL: _out_only("an office call"),
    Action.LEFT_PROPERTY: _left,
    Action.RETURNED: _returned,
    Action.RUNNING_LATE: _out_only("running late"),
    Action.PARENT_NOT_PRESENT: _parent_absent,
    Action.PARENT_ARRIVED: _waiting,
    Action.CANCEL_PARENT_ABSENT: _waiting,
    Action.DURESS: _duress,
    Action.DRILL: _drill,
}


def verdict(action: Action, visit: VisitLike, facts: Facts) -> Verdict:
    """May `action` be recorded on `visit` now? If not, why not."""
    reason = RULES[action](visit, facts)
    return Verdict(action, not reason, reason)


def allowed_actions(visit: VisitLike, facts: Facts) -> dict[Action, Verdict]:
    """Every action with its verdict, in the order the screens offer them."""
    return {action: verdict(action, visit, facts) for action in Action}


def is_at_address(visit: VisitLike) -> bool:
    return visit.status in AT_ADDRESS
