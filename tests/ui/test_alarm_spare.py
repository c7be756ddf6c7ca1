"""The spare alarm window: built ahead while the seat is idle (one part per event-loop turn), filled
and shown when a deadline lapses, then replaced; an alarm while it is half built still shows whole.
And a check landing with a new alarm shows the window before the board repaints (ui/tracker)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout

from hvdesk.demo import DEMO_PASSWORD
from hvdesk.scheduler import Wake
from tests.ui.test_tracker_ui import clear_demo_alarms, ctrl_of
from tests.ui.waiting import idle
from ui import session_lock
from ui.session_lock import SessionLockFeature
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
    ctrl.spare.discard()  # none ready: the next one is built part by part, driven here
    ctrl.spare._next_part()  # its first part only (the timer would go on with the next)
    ctrl.spare._timer.stop()
    half = ctrl.spare.building
    assert half is not None and ctrl.spare.ready is None
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
    assert ctrl.spare.ready is None
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(spare)  # deleted, not only hidden


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
    # A stray window's show and activation are posted events: delivered now, no sleep.
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()
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


class _Turns(QObject):
    """Counts event-loop turns (each timer or queued call the application delivers) and the heavy
    steps of alarm windows in each: a build part, a whole build, a window opened."""

    def __init__(self) -> None:
        super().__init__()
        self.turn = 0
        self.heavy: list[tuple[int, str]] = []

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Timer, QEvent.Type.MetaCall):
            self.turn += 1
        return False

    def note(self, what: str) -> None:
        self.heavy.append((self.turn, what))

    def over_budget(self) -> list[int]:
        """Turns that held more than one heavy step."""
        per_turn = Counter(turn for turn, _what in self.heavy)
        return [turn for turn, n in per_turn.items() if n > 1]


def test_two_alarms_at_once_open_one_per_turn(window, qtbot, office_actor, monkeypatch):
    """Two deadlines lapse in one wake: the first window opens from the spare, the second from
    the next spare built part by part; no turn builds a whole window or more than one part."""
    ctrl = ctrl_of(window)
    clear_demo_alarms(window, office_actor)
    idle(window, qtbot)
    qtbot.waitUntil(lambda: ctrl.spare.ready is not None, timeout=10_000)
    turns = _Turns()
    part, init = AlarmWindow.build_part, AlarmWindow.__init__

    def counted_part(self: AlarmWindow) -> bool:
        if self._parts is not None:
            turns.note("part")
        return part(self)

    def counted_init(self: AlarmWindow, *args, in_parts: bool = False, **kwargs) -> None:
        if not in_parts:
            turns.note("whole")
        init(self, *args, in_parts=True, **kwargs)
        if not in_parts:
            self.finish_build()

    monkeypatch.setattr(AlarmWindow, "build_part", counted_part)
    monkeypatch.setattr(AlarmWindow, "__init__", counted_init)
    ctrl.alarm_raised.connect(lambda _alarm_id: turns.note("open"))
    now = ctrl.clock.now()
    lapses = sorted(t for r in ctrl.board.rows if (t := r.state.next_lapse(now)) is not None)
    QApplication.instance().installEventFilter(turns)
    try:
        ctrl.clock.set(lapses[1] + timedelta(seconds=1))  # two lapse in one wake
        ctrl.woke.emit(Wake("deadline", key="test"))
        qtbot.waitUntil(lambda: len(ctrl.windows) >= 2 and not ctrl._to_open, timeout=10_000)
    finally:
        QApplication.instance().removeEventFilter(turns)
    assert all(w.isVisible() and w.alarm_id for w in ctrl.windows.values())
    assert [what for _turn, what in turns.heavy].count("open") == len(ctrl.windows)
    assert "whole" not in [what for _turn, what in turns.heavy], turns.heavy
    assert turns.over_budget() == [], turns.heavy


def test_switching_to_a_role_that_handles_alarms_builds_a_spare(window, qtbot):
    """A seat a visitor signed in to has no spare; the office signing in over it gets one."""
    ctrl = ctrl_of(window)
    lock = window.feature(SessionLockFeature).lock
    lock.unlock_as(window.services.auth.sign_in("jpatel", DEMO_PASSWORD))
    assert not ctrl.handles_alarms
    ctrl.spare.discard()  # as on a seat started by the visitor
    lock.unlock_as(window.services.auth.sign_in("office", DEMO_PASSWORD))
    assert ctrl.handles_alarms
    qtbot.waitUntil(lambda: ctrl.spare.ready is not None, timeout=10_000)


def test_showing_an_alarm_window_costs_the_idle_lock_few_events(window, qtbot, monkeypatch):
    """The idle lock watches input at the top-level windows, not every event of every widget:
    an alarm window's show, layout and first paint (hundreds of widget events) reach it a few
    times at most (each reach is a Python call on the GUI thread)."""
    ctrl = ctrl_of(window)
    idle(window, qtbot)
    reached: list[int] = []

    class Watched(set):  # the filter asks it about every event it sees
        def __contains__(self, kind: object) -> bool:
            reached.append(1)
            return super().__contains__(kind)

    monkeypatch.setattr(session_lock, "INPUT_EVENTS", Watched(session_lock.INPUT_EVENTS))
    detail = next(iter(ctrl.windows.values())).detail
    ctrl.spare.prepare()
    shown = ctrl.spare.take()
    shown.fill(detail, ctrl.actor, ctrl.clock.now())
    shown.show()
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()
    try:
        assert len(reached) < 20, len(reached)
    finally:
        shown.allow_close()
        shown.close()


def test_a_key_at_any_window_counts_as_someone_at_the_pc(window, qtbot, clock):
    """Typing in a dialog (a window of its own) keeps the seat from locking as idle."""
    lock = window.feature(SessionLockFeature).lock
    dialog = QDialog(window)
    field = QLineEdit()
    QVBoxLayout(dialog).addWidget(field)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    clock.advance(timedelta(minutes=3))
    assert lock.last_input < clock.monotonic()
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_A)  # as the platform delivers a key
    assert field.text() == "a" and lock.last_input == clock.monotonic()
