"""bench_live.py's form cases: the GUI thread's longest stall while a form's save is written.

A booking saved from the calendar's booking form and an approval from the Approval screen, every
statement 200 ms slower (a database across a slow network): from the click until the form shows
the save confirmed (the booking form closed, 'Approved' shown). One figure per save.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from hvdesk.clock import from_london, london
from hvdesk.db import Database
from hvdesk.models import Role, UserAccount
from hvdesk.services.base import Actor


def _next_school_day(now: datetime, hour: int) -> datetime:
    day = london(now).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return from_london(datetime(day.year, day.month, day.day, hour, 0))


def _fill(dialog: Any) -> None:
    dialog.search.setText("Evans")
    if dialog.pupil.currentData() is None and dialog.pupil.count() > 1:
        dialog.pupil.setCurrentIndex(1)
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("attendance"))
    dialog.lead.setCurrentIndex(dialog.lead.findText("Tom Lee"))
    dialog.companion.setCurrentIndex(dialog.companion.findText("Amara Jones"))


def _free_slots(window: Any) -> Iterator[datetime]:
    """School-day hours from tomorrow on, in order: the caller keeps those the check passes."""
    now = window.services.clock.now()
    seen: set[datetime] = set()
    for days in range(30):
        for hour in range(9, 16):
            slot = _next_school_day(now + timedelta(days=days), hour)
            if slot not in seen:
                seen.add(slot)
                yield slot


def booking_stalls(
    window: Any, db: Database, stalls: Any, rounds: int, latency: Any, wait_for: Any
) -> list[float]:
    """'Book and send for approval' on the booking form, in slots the booking check passes (a
    refused booking is no save); only the rounds that saved are counted."""
    from ui.calendar.feature import CalendarFeature

    ctrl = window.feature(CalendarFeature).controller
    longest: list[float] = []
    slots = _free_slots(window)
    tried = 0
    while len(longest) < rounds and tried < rounds * 10:
        start = next(slots, None)
        if start is None:
            break
        tried += 1
        ctrl.new_visit(window, start=start)  # read on the reader, then opened
        if not wait_for(lambda: ctrl.dialog is not None, 30.0):
            break
        dialog = ctrl.dialog
        _fill(dialog)
        check = dialog.deps.booking.check(dialog.form_data(), None)
        if not check.ok or check.clashes:
            dialog.reject()
            continue
        with latency(db, 0.2):
            stalls.start()
            dialog.submit_button.click()
            done = wait_for(lambda: ctrl.dialog is None, 30.0)
            took = stalls.stop()
        if done:
            longest.append(took)
        else:
            print(f"  booking at {london(start):%a %H:%M} not saved: {dialog.banner.text()!r}")
            dialog.reject()
    return longest


def approval_stalls(
    window: Any, db: Database, stalls: Any, rounds: int, latency: Any, wait_for: Any
) -> list[float]:
    """'Approve' on the Approval screen of an approver's own window (its panel wired to the
    window's change feed, as a head's seat has it), for visits that need no note."""
    from ui.app import build_window
    from ui.panels.approvals import ApprovalFeature

    with db.read() as s:
        head = s.scalar(select(UserAccount).where(UserAccount.role == Role.APPROVER.value))
    actor = Actor(head.id, head.display_name, head.role)
    seat = build_window(window.services, actor)
    seat.resize(1280, 800)
    seat.show()
    seat.show_panel("Approval")
    panel = seat.feature(ApprovalFeature).panel
    longest: list[float] = []
    try:
        for _ in range(rounds):
            panel.refresh()
            wait_for(lambda: panel.model.rowCount() > 0 and not seat.worker.outstanding, 30.0)
            item = _approvable(panel)
            if item is None:
                print("  no visit left that can be approved without a note")
                break
            panel.select_visit(item.visit.id)
            panel.result.setText("")  # the last decision's words: this one's are awaited
            with latency(db, 0.2):
                stalls.start()
                panel.approve_button.click()
                done = wait_for(lambda: panel.result.text().startswith("✓ Approved"), 30.0)
                took = stalls.stop()
            if done:
                longest.append(took)
            else:
                print(f"  approval of visit {item.visit.id} not shown within 30 s")
    finally:
        seat.close()
    return longest


def _approvable(panel: Any) -> Any:
    for item in panel.model.rows():
        check = item.check
        if check.can_approve and not check.needs_note and not check.needs_lone_decision:
            return item
    return None
