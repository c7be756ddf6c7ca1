"""The spare alarm window: built ahead while the seat is idle (one part per event-loop turn), filled
and shown when a deadline lapses, then replaced; an alarm while it is half built still shows whole.
And a check landing with a new alarm shows the window before the board repaints (ui/tracker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout

from hvdesk.scheduler import Wake
from tests.ui.test_tracker_ui import clear_demo_alarms, ctrl_of
from tests.ui.waiting import idle
from ui.tracker.alarm_window import AlarmWindow

pytestmark = pytest.mark.ui


def _lapse_next_deadline(window, qtbot) -> AlarmWindow:
    """Move the clock just past the board's next deadline and let the scheduler's wake come:
    the alarm window that opens."""
    ctrl = ctrl_of(window)
    now = ctrl.clock.now()
    nxt = ctrl.board.next_alarm_at(now)
    assert nxt is not None
    ctrl.clock.set(max(nxt, now) + timedelta(seconds=1))
    before = set(ctrl.windows)
    ctrl.woke.emit(Wake("deadline", key="test"))
    qtbot.waitUntil(lambda: bool(set(ctrl.windows) - before), timeout=10_000)
    (new,) = [w for i, w in ctrl.windows.items() if i not in before]
    return new


def test_the_spare_window_shows_the_alarm_and_another_is_built(window, qtbot, office_actor):
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    idle(window, qtbot)
    qtbot.waitUntil(lambda: ctrl.spare.ready is not None, timeout=10_000)  # built while idle
    spare = ctrl.spare.ready
    assert not spare.isVisible() and spare.alarm_id == 0
    shown = _lapse_next_deadline(window, qtbot)
    assert shown is spare and ctrl.spare.taken == 1
    assert shown.isVisible() and shown.alarm_id in ctrl.windows
    assert shown.objectName() == f"alarm_{shown.alarm_id}"
    assert "OVERDUE" in shown.windowTitle() and shown.facts["staff"].text()
    assert shown.take_button.isEnabled()  # nobody has it yet
    qtbot.waitUntil(lambda: ctrl.spare.ready is not None, timeout=10_000)  # the next one
    assert ctrl.spare.ready is not spare and not ctrl.spare.ready.isVisible()


def test_an_alarm_while_the_spare_is_half_built_shows_whole(window, qtbot, office_actor):
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    idle(window, qtbot)
    ctrl.spare.discard()  # none ready: the next one is built part by part from now
    ctrl.spare.prepare_later(0)
    qtbot.waitUntil(lambda: ctrl.spare.building is not None, timeout=5_000)
    half = ctrl.spare.building
    assert not hasattr(half, "resolve_button")  # its later parts are not built yet
    shown = _lapse_next_deadline(window, qtbot)
    assert shown is half and ctrl.spare.building is not half
    assert shown.isVisible() and shown.resolve_button.isVisible()
    assert set(shown.steps) == {1, 2, 3, 4} and shown.facts["address"].text()
    shown.take_button.click()  # it works as any alarm window: the press is saved
    qtbot.waitUntil(lambda: shown.detail.alarm.acknowledged_at is not None, timeout=10_000)


def test_with_no_spare_the_window_is_built_there_and_then(window, qtbot, office_actor):
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    idle(window, qtbot)
    ctrl.spare.discard()
    shown = _lapse_next_deadline(window, qtbot)
    assert shown.isVisible() and shown.steps and ctrl.spare.taken == 0


def test_a_landed_check_shows_the_new_window_before_the_board_repaints(window, qtbot, office_actor):
    """The board's repaint and the re-arming wait for the next event-loop turn after an alarm
    window opens (so no one turn holds both): the window first, and the board still follows."""
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    idle(window, qtbot)
    order: list[str] = []

    def opened(_alarm_id: int) -> None:
        order.append("opened")
        QTimer.singleShot(0, lambda: order.append("next turn"))

    ctrl.alarm_raised.connect(opened)
    ctrl.board_changed.connect(lambda _b: order.append("board"))
    shown = _lapse_next_deadline(window, qtbot)
    qtbot.waitUntil(lambda: "board" in order[order.index("opened") :], timeout=5_000)
    after = order[order.index("opened") :]
    assert after.index("next turn") < after.index("board"), order
    row = window.today.board_model.row_of(shown.visit_id)
    assert row >= 0 and window.today.board_model.rows()[row].open_alarm_ids


def test_closing_the_seat_discards_the_spare(window, qtbot, office_actor):
    ctrl = ctrl_of(window)
    ctrl.spare.prepare()
    spare = ctrl.spare.ready
    assert spare is not None
    ctrl.stop()
    assert ctrl.spare.ready is None and not spare.isVisible()


def test_building_the_spare_never_takes_the_focus(window, qtbot):
    """Built while someone types in a dialog: no part of the spare shows itself on the way."""
    ctrl = ctrl_of(window)
    ctrl.spare.discard()
    dialog = QDialog(window)
    QVBoxLayout(dialog).addWidget(QLineEdit())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    ctrl.spare.prepare_later(0)
    qtbot.waitUntil(lambda: ctrl.spare.ready is not None, timeout=5_000)
    qtbot.wait(20)  # what a stray window's activation would have done by now
    assert QApplication.activeWindow() is dialog
    assert [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible()
        and w.parent() is None
        and not w.windowTitle()
        and w is not dialog
        and w is not window
    ] == []
