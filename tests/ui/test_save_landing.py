"""What a form's save costs the window when it lands: a booking or approval (a visit not out)
does not repaint the tracker's board, and a booking made from Today lays out no calendar week."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hvdesk.models import Visit, VisitStatus
from hvdesk.services.changes import Change
from tests.ui.test_tracker_ui import ctrl_of
from tests.ui.waiting import idle
from ui.calendar.feature import CalendarFeature

pytestmark = pytest.mark.ui


def _later_visit_id(services) -> int:
    """A visit booked but not out (what a booking's or an approval's change names)."""
    with services.db.read() as s:
        visit = s.scalars(
            select(Visit).where(
                Visit.status.in_([VisitStatus.APPROVED.value, VisitStatus.AWAITING_APPROVAL.value])
            )
        ).first()
    assert visit is not None
    return visit.id


def test_a_change_to_a_visit_not_out_leaves_the_board_unpainted(window, qtbot, services):
    ctrl = ctrl_of(window)
    idle(window, qtbot)
    later = _later_visit_id(services)
    assert ctrl.board.row(later) is None
    painted: list[object] = []
    ctrl.board_changed.connect(painted.append)
    loads = ctrl.live.worker.outstanding
    ctrl.on_change(Change(ctrl.live.last_event_id, visit_ids=frozenset({later}), events=1))
    assert ctrl.live.worker.outstanding == loads + 1  # its rows are still read, off the GUI
    idle(window, qtbot)
    assert painted == []
    out = ctrl.board.rows[0].visit.id  # a visit that is out is repainted as before
    ctrl.on_change(Change(ctrl.live.last_event_id, visit_ids=frozenset({out}), events=1))
    qtbot.waitUntil(lambda: len(painted) == 1, timeout=5_000)


def test_a_booking_shown_on_a_hidden_calendar_waits_until_it_is_shown(window, qtbot, services):
    panel = window.feature(CalendarFeature).panel
    window.show_panel("Today")
    idle(window, qtbot)
    later = _later_visit_id(services)
    loads = panel.reads.asked
    panel.show_visit(later)  # as after 'Book' from Today: the visit's day is remembered
    idle(window, qtbot)
    assert panel.reads.asked == loads and panel._select_after == later
    window.show_panel("Calendar")  # shown: laid out on that day, the visit selected
    qtbot.waitUntil(lambda: panel.selected_id() == later, timeout=5_000)
