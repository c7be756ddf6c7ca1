"""bench_live.py's form cases: the GUI thread's longest stall while a form's save is written.

A booking saved from the calendar's booking form and an approval from the Approval screen, every
statement 200 ms slower (a database across a slow network): from the click until the form shows
the save confirmed (the booking form closed, 'Approved' shown). One figure per save.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from hvdesk.clock import from_london, london
from hvdesk.db import Database
from hvdesk.models import Role, UserAccount
from hvdesk.services.approval import ApprovalService
from hvdesk.services.base import Actor


def _next_school_day(now: datetime, hour: int) -> datetime:
    day = london(now).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return from_london(datetime(day.year, day.month, day.day, hour, 0))


def booking_stalls(
    window: Any, db: Database, stalls: Any, rounds: int, latency: Any, wait_for: Any
) -> list[float]:
    """'Book and send for approval' on the booking form, one visit an hour tomorrow."""
    from ui.calendar.feature import CalendarFeature

    ctrl = window.feature(CalendarFeature).controller
    longest: list[float] = []
    for i in range(rounds):
        start = _next_school_day(window.services.clock.now(), 9 + i)
        dialog = ctrl.new_visit(window, start=start)
        dialog.search.setText("Evans")
        if dialog.pupil.currentData() is None and dialog.pupil.count() > 1:
            dialog.pupil.setCurrentIndex(1)
        dialog.purpose.setCurrentIndex(dialog.purpose.findData("attendance"))
        dialog.lead.setCurrentIndex(dialog.lead.findText("Tom Lee"))
        dialog.companion.setCurrentIndex(dialog.companion.findText("Amara Jones"))
        with latency(db, 0.2):
            stalls.start()
            dialog.submit_button.click()
            done = wait_for(lambda: ctrl.dialog is None, 30.0)
            longest.append(stalls.stop())
        if not done:
            print(f"  booking {i + 1} not saved within 30 s: {dialog.banner.text()!r}")
            dialog.reject()
    return longest


def approval_stalls(
    window: Any, db: Database, stalls: Any, rounds: int, latency: Any, wait_for: Any
) -> list[float]:
    """'Approve' on the Approval screen of an approver's seat, for visits that need no note."""
    from ui.panels.approvals import ApprovalPanel

    with db.read() as s:
        head = s.scalar(select(UserAccount).where(UserAccount.role == Role.APPROVER.value))
    actor = Actor(head.id, head.display_name, head.role)
    # as the window's own Approval screen is built (before this work: neither existed)
    extra = {"writer": window.writer, "worker": window.worker} if hasattr(window, "writer") else {}
    service = ApprovalService(db, window.services.clock)
    panel = ApprovalPanel(service, actor, "Headteacher", **extra)
    panel.resize(1100, 600)
    panel.show()
    longest: list[float] = []
    for _ in range(rounds):
        panel.model.set_rows([])  # the queue as read now (on the reader worker, where it is)
        panel.refresh()
        wait_for(lambda: panel.model.rowCount() > 0, 30.0)
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
            longest.append(stalls.stop())
        if not done:
            print(f"  approval of visit {item.visit.id} not shown within 30 s")
    panel.close()
    return longest


def _approvable(panel: Any) -> Any:
    for item in panel.model.rows():
        check = item.check
        if check.can_approve and not check.needs_note and not check.needs_lone_decision:
            return item
    return None

