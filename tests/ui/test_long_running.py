"""A window left running for a week: what it keeps must not grow with what has happened.

Each round is a visit's whole life seen through the window's change feed (approved, departed,
checked in, home, written up, and moved off today as the days pass); after a few rounds of warm-up
the window holds the same Qt objects and no more visits than the day shows, however many rounds go by.
"""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from PySide6.QtCore import QObject
from sqlalchemy import select

from hvdesk.models import Household, Staff, Visit, VisitStatus
from hvdesk.scheduler import Wake
from hvdesk.services.outcomes import OutcomeInput, OutcomeService
from tests.ui.waiting import idle
from ui.tracker.controller import RECENT_WAKES
from ui.tracker.feature import TrackerFeature
from ui.tray import RECENT_MESSAGES

pytestmark = pytest.mark.ui


ROUNDS = 15
SAMPLES = 3  # counts taken at the start and at the end of the rounds


def _live_visits(window) -> int:
    """Visits alive but those the open alarm windows show. The rounds' clock reaches the demo
    visits' deadlines; the wall clock's 30-second sweep then raises their alarms, each window
    keeping its visit until answered, as it must: how many sweeps came during the rounds is the
    machine's load, not the window's leak."""
    shown = {id(w.detail.visit) for w in window.feature(TrackerFeature).controller.windows.values()}
    gc.collect()
    return sum(isinstance(o, Visit) and id(o) not in shown for o in gc.get_objects())


def _one_visit_lifetime(window, qtbot, clock, make_visit, staff: list[int], household: int) -> None:
    ctrl = window.feature(TrackerFeature).controller
    actor = window.actor
    visit_id = make_visit(
        household_id=household,
        lead_id=staff[0],
        companion_id=staff[1],
        start=clock.now() + timedelta(minutes=15),
        status=VisitStatus.APPROVED.value,
    )
    for record in (
        lambda: ctrl.tracker.depart(actor, visit_id),
        lambda: ctrl.tracker.check_in(actor, visit_id),
        lambda: ctrl.tracker.returned(actor, visit_id),
        lambda: OutcomeService(window.services.db, clock).record(
            actor, visit_id, OutcomeInput(summary="seen", social_worker_informed=True)
        ),
    ):
        record()
        window.live.recorded()  # as a press in this window announces it
        idle(window, qtbot)
    with window.services.db.transaction() as s:  # a day later, it is no longer today's
        visit = s.get(Visit, visit_id)
        assert visit is not None
        visit.start -= timedelta(days=1)
    clock.advance(timedelta(minutes=1))


def _kept(window, qtbot) -> tuple[int, int]:
    """The window's Qt objects and the visits alive, once its background work has landed."""
    idle(window, qtbot)
    return len(window.findChildren(QObject)), _live_visits(window)


def test_rounds_of_visits_do_not_grow_the_window(window, qtbot, clock, make_visit):
    with window.services.db.read() as s:
        household = s.scalars(select(Household.id)).first()
        staff = list(s.scalars(select(Staff.id).where(Staff.active.is_(True))))[:2]
    window.today.refresh()
    idle(window, qtbot)
    for _ in range(3):  # warm-up: caches, first connections, first paints
        _one_visit_lifetime(window, qtbot, clock, make_visit, staff, household)
    kept = []
    for _ in range(ROUNDS):
        _one_visit_lifetime(window, qtbot, clock, make_visit, staff, household)
        kept.append(_kept(window, qtbot))
    # A leak keeps something per round, so its count climbs round after round (by 12 or more from
    # the first rounds to the last). One object may be passing through at any count (a queued
    # job's runnable, a status message's timer: 1428 or 1429 Qt objects, either way), and what the
    # wall clock starts (the 30-second sweep) may be half-way through at one count (its read
    # holding visits): so the fewest of the last rounds are compared with the fewest of the
    # first, give or take the one passing through.
    first, last = kept[:SAMPLES], kept[-SAMPLES:]
    for what, i in (("Qt objects", 0), ("visits", 1)):
        counts = [k[i] for k in kept]
        assert min(k[i] for k in last) <= min(k[i] for k in first) + 1, f"{what}: {counts}"


def test_a_week_of_wakes_and_tray_messages_keeps_only_the_recent_ones(window):
    ctrl = window.feature(TrackerFeature).controller
    for i in range(3 * RECENT_WAKES):  # the 30-second sweeps of days left running
        ctrl._on_wake(Wake("sweep", key=f"test:{i}"))
    for i in range(3 * RECENT_MESSAGES):
        ctrl.tray.message("Overdue", f"message {i}")
    assert len(ctrl.wakes) == RECENT_WAKES
    assert ctrl.wakes[-1].key == f"test:{3 * RECENT_WAKES - 1}"
    assert len(ctrl.tray.messages) == RECENT_MESSAGES
    assert ctrl.tray.messages[-1] == ("Overdue", f"message {3 * RECENT_MESSAGES - 1}")
