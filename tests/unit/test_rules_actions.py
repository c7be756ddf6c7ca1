"""The one rule for which tracker actions a visit allows: every status, every action, with reasons."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from hvdesk.rules.actions import (
    Action,
    Facts,
    allowed_actions,
    earliest_departure,
    verdict,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday morning (GMT)
STATUSES = (
    "draft",
    "awaiting_approval",
    "approved",
    "out",
    "on_site",
    "left_property",
    "returned",
    "completed",
    "rejected",
    "cancelled",
)


@dataclass
class V:
    id: int = 7
    status: str = "draft"
    planned_departure: datetime = NOW + timedelta(minutes=30)
    start: datetime = NOW + timedelta(minutes=45)
    end: datetime = NOW + timedelta(minutes=90)
    expected_return: datetime = NOW + timedelta(minutes=105)
    departed_at: datetime | None = None
    arrived_at: datetime | None = None
    left_at: datetime | None = None
    returned_at: datetime | None = None


def visit(status: str) -> V:
    v = V(status=status)
    if status in ("out", "on_site", "left_property", "returned", "completed"):
        v.departed_at = NOW - timedelta(minutes=20)
    if status in ("on_site", "left_property", "returned", "completed"):
        v.arrived_at = NOW - timedelta(minutes=10)
    if status in ("returned", "completed"):
        v.returned_at = NOW - timedelta(minutes=1)
    return v


A = Action
OUT = {"out", "on_site", "left_property"}
# Which statuses allow each action when nobody is waiting for parents.
EXPECTED: dict[Action, set[str]] = {
    A.DEPART: {"approved"},
    A.ARRIVE: {"out"},
    A.CHECK_IN: OUT,
    A.OFFICE_CALL: OUT,
    A.LEFT_PROPERTY: {"out", "on_site"},
    A.RETURNED: OUT,
    A.RUNNING_LATE: OUT,
    A.PARENT_NOT_PRESENT: {"out", "on_site"},
    A.PARENT_ARRIVED: set(),
    A.CANCEL_PARENT_ABSENT: set(),
    A.DURESS: OUT,
    A.DRILL: set(STATUSES) - {"rejected", "cancelled"},
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(Action))
def test_every_action_in_every_status(action: Action, status: str) -> None:
    found = verdict(action, visit(status), Facts(NOW))
    assert found.allowed is (status in EXPECTED[action])
    assert bool(found) is found.allowed
    if found.allowed:
        assert found.reason == ""
    else:  # a sentence naming the visit, never an empty refusal
        assert found.reason and ("7" in found.reason)


def test_every_action_has_an_expectation_and_the_table_matches() -> None:
    assert set(EXPECTED) == set(Action)
    table = allowed_actions(visit("on_site"), Facts(NOW))
    assert list(table) == list(Action)
    assert {a for a, v in table.items() if v} == {a for a, s in EXPECTED.items() if "on_site" in s}


@pytest.mark.parametrize("status", STATUSES)
def test_waiting_for_parents_swaps_the_offers(status: str) -> None:
    facts = Facts(NOW, parent_wait_until=NOW + timedelta(minutes=10))
    v = visit(status)
    absent = verdict(A.PARENT_NOT_PRESENT, v, facts)
    assert not absent
    if status in ("out", "on_site"):
        assert absent.reason == "Already waiting for the parents of visit 7 until 09:10"
    for action in (A.PARENT_ARRIVED, A.CANCEL_PARENT_ABSENT):
        assert verdict(action, v, facts).allowed is (status in OUT)


def test_cancelled_while_out_is_tracked_until_back() -> None:
    """Parents absent, visit cancelled: staff still out, so the out-only actions stay allowed."""
    v = replace(visit("cancelled"), departed_at=NOW - timedelta(minutes=30))
    allowed = {a for a, verdict_ in allowed_actions(v, Facts(NOW)).items() if verdict_}
    assert allowed == {A.CHECK_IN, A.OFFICE_CALL, A.RETURNED, A.RUNNING_LATE, A.DURESS, A.DRILL}
    back = replace(v, returned_at=NOW)
    assert {a for a, x in allowed_actions(back, Facts(NOW)).items() if x} == set()


def test_reasons_say_what_to_do() -> None:
    assert verdict(A.CHECK_IN, visit("approved"), Facts(NOW)).reason == (
        "Visit 7 is approved: a check-in is only for a visit that is out"
    )
    assert verdict(A.ARRIVE, visit("on_site"), Facts(NOW)).reason == (
        "Visit 7 is on site at 08:50: 'arrived' is for a visit on its way there"
    )
    assert verdict(A.RETURNED, visit("returned"), Facts(NOW)).reason == (
        "Visit 7 is returned at 08:59: only a visit that is out can return"
    )
    assert "ring 999 at once" in verdict(A.DURESS, visit("approved"), Facts(NOW)).reason
    assert (
        "choose a visit that is going ahead"
        in verdict(A.DRILL, visit("rejected"), Facts(NOW)).reason
    )


def test_departing_needs_approval_and_the_day() -> None:
    facts = Facts(NOW, approver_title="Head of School")
    assert verdict(A.DEPART, visit("awaiting_approval"), facts).reason == (
        "Visit 7 is awaiting approval: a visit cannot depart unapproved. "
        "Ask the head of school to approve it first."
    )
    assert verdict(A.DEPART, visit("out"), facts).reason == "Visit 7 already departed at 08:40"
    tomorrow = replace(visit("approved"), planned_departure=NOW + timedelta(days=1))
    refused = verdict(A.DEPART, tomorrow, facts)
    assert not refused and "not today" in refused.reason
    # from the start of the visit's own day (London), or two hours before an early start
    day_start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert earliest_departure(NOW + timedelta(days=1)) == day_start
    assert verdict(A.DEPART, tomorrow, replace(facts, now=day_start)).allowed
    assert not verdict(A.DEPART, tomorrow, replace(facts, now=day_start - timedelta(seconds=1)))
    just_after_midnight = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert earliest_departure(just_after_midnight) == just_after_midnight - timedelta(hours=2)
