"""A whole day at the office desk with the keyboard only: no click, only key presses.

Depart, arrive, check in; a check-in lapses (time moves on the fake clock); the alarm is taken with
Alt+H, its ladder walked from the keys focus lands on, the alarm resolved; the staff come back.
Where a person would switch window (Alt+Tab) the test activates it, as the window manager would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from hvdesk.models import VisitStatus
from tests.ui.test_tracker_ui import ctrl_of, nobody_else_out
from tests.ui.waiting import settle
from ui.models.table import ObjectRole
from ui.tracker import keys

pytestmark = pytest.mark.ui
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "nothing has keyboard focus"
    qtbot.keyClick(target, key, modifier)


def shortcut(qtbot, record: str) -> None:
    """Press the record's key as listed in the menus (e.g. Ctrl+Shift+K)."""
    letter = keys.key_of(record).split("+")[-1]
    press(qtbot, getattr(Qt.Key, f"Key_{letter}"), CTRL_SHIFT)
    settle(qtbot)  # what it saved on the write worker, shown


def tab_to(qtbot, widget: QWidget, limit: int = 40) -> int:
    """Press Tab until `widget` has focus; fail if Tab never gets there."""
    for presses in range(limit):
        if QApplication.focusWidget() is widget:
            return presses
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.accessibleName() or widget}")


def activate(qtbot, top: QWidget) -> None:
    top.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is top)


def arrow_to_row(qtbot, view, visit_id: int, in_board: bool) -> None:
    press(qtbot, Qt.Key.Key_Home)
    for _ in range(view.model().rowCount() + 1):
        index = view.currentIndex()
        row = index.siblingAtColumn(0).data(ObjectRole)
        visit = row.visit if in_board and row is not None else row
        if visit is not None and visit.id == visit_id:
            return
        press(qtbot, Qt.Key.Key_Down)
    raise AssertionError(f"visit {visit_id} is not in {view.accessibleName()}")


def test_a_whole_day_with_the_keyboard_only(window, qtbot, clock, office_actor, answers):
    ctrl = ctrl_of(window)
    nobody_else_out(window, office_actor)
    today = window.today
    window.refresh_all()
    leaving = next(v for v in today.later_model.rows() if v.status == VisitStatus.APPROVED)
    activate(qtbot, window)
    window.nav.setFocus()  # where a person starts: the screen list

    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # Today
    assert window.stack.currentWidget() is today
    tab_to(qtbot, today.later_view)
    arrow_to_row(qtbot, today.later_view, leaving.id, in_board=False)
    assert tab_to(qtbot, today.depart_button, limit=2) == 1  # the action right after its table
    shortcut(qtbot, "depart")
    qtbot.waitUntil(lambda: today.board_model.row_of(leaving.id) >= 0)

    tab_to(qtbot, today.board_view)
    arrow_to_row(qtbot, today.board_view, leaving.id, in_board=True)
    assert today.selected_row().visit.id == leaving.id
    assert tab_to(qtbot, today.buttons["arrive"], limit=3) <= 2  # Tab leaves the table
    shortcut(qtbot, "arrive")
    shortcut(qtbot, "check_in")
    assert window.services.visits.get(leaving.id).status == VisitStatus.ON_SITE
    state = ctrl.board.rows[0].state
    assert state.last_contact is not None and state.last_contact.at == clock.now()

    # Nobody rings in: the next check-in lapses and the alarm opens.
    lapse = state.next_lapse(clock.now())
    assert lapse is not None
    clock.advance(lapse - clock.now() + timedelta(minutes=1))
    ctrl.check("test")
    aw = ctrl.window_for_visit(leaving.id)
    assert aw is not None and aw.isVisible()
    activate(qtbot, aw)

    press(qtbot, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)  # I'm handling this
    qtbot.waitUntil(lambda: aw.detail.alarm.acknowledged_by_id == office_actor.user_id)
    step1 = aw.steps[1].buttons
    assert QApplication.focusWidget() is step1["answered_safe"]  # focus is on the ladder
    tab_to(qtbot, step1["no_answer"], limit=4)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: aw.detail.alarm.step == 2)
    step2 = aw.steps[2].buttons
    assert QApplication.focusWidget() is step2["answered_safe"]  # and follows it to step 2
    press(qtbot, Qt.Key.Key_Space)  # 'Answered: staff are there and safe'
    qtbot.waitUntil(lambda: len(aw.detail.steps) == 2)
    # staff reached: focus goes on to Resolve as (it fell on to the police reference, where the
    # pressed button, off while saving, let it go; Orca then read step 4 to the user)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is aw.resolution_buttons["safe_forgot"])
    press(qtbot, Qt.Key.Key_Right)  # the arrow keys move inside the set of answers
    assert QApplication.focusWidget() is aw.resolution_buttons["safe_delayed"]
    press(qtbot, Qt.Key.Key_Space)
    assert aw.resolution_buttons["safe_delayed"].isChecked()
    tab_to(qtbot, aw.notes)
    qtbot.keyClicks(aw.notes, "Phone on silent in the meeting; all well")
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # Resolve
    qtbot.waitUntil(lambda: ctrl.window_for_visit(leaving.id) is None)

    activate(qtbot, window)
    tab_to(qtbot, today.board_view)
    arrow_to_row(qtbot, today.board_view, leaving.id, in_board=True)
    shortcut(qtbot, "returned")
    qtbot.waitUntil(lambda: today.board_model.row_of(leaving.id) < 0)
    back = window.services.visits.get(leaving.id)
    assert back.status == VisitStatus.RETURNED
    assert answers["told"] == []  # nothing was refused along the way
