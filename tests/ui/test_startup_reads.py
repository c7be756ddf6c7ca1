"""Enter to the main window reads nothing on the GUI thread: the window (up to the live tracker)
is built while the password is typed and checked, and its first reads (the tracker's check,
Today's lists, the Users screen) go on the worker once the password proves right. With those
reads held, the window still appears and paints; the overdue alarms open as they are let go."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ui.app import PreparedWindow, finish_window
from ui.login import LoginDialog
from ui.tracker.feature import TrackerFeature

from .conftest import delete_now

HELD_S = 30  # the longest a held statement waits (the test opens the gate well before)


class _Gate:
    """Holds every statement made off the GUI thread while shut; lists those made on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.gui = threading.get_ident()
        self.opened = threading.Event()
        self.opened.set()
        self.on_gui: list[str] = []
        self.held = 0
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, _conn, _cursor, statement: str, *_rest) -> None:
        if threading.get_ident() == self.gui:
            self.on_gui.append(statement)
        elif not self.opened.is_set():
            self.held += 1
            self.opened.wait(HELD_S)

    def remove(self) -> None:
        self.opened.set()
        event.remove(self.engine, "before_cursor_execute", self._statement)


class _Paints(QObject):
    """Counts the paints of one window, and keeps the GUI thread's statements made before the
    first (the screens installed after it may read)."""

    def __init__(self, gate: _Gate) -> None:
        super().__init__()
        self.gate = gate
        self.count = 0
        self.read_before: list[str] = []

    def eventFilter(self, _obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.Paint:
            if not self.count:
                self.read_before = list(self.gate.on_gui)
            self.count += 1
        return False


@pytest.fixture
def gate(services) -> Iterator[_Gate]:
    held = _Gate(services.db.engine)
    yield held
    held.remove()


def test_enter_reads_nothing_on_the_gui_thread_and_alarms_open_when_the_reads_answer(
    qtbot, services, gate
):
    prepared = PreparedWindow()
    dialog = LoginDialog(services, prepare=lambda actor: prepared.build(services, actor))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("office")
    qtbot.waitUntil(lambda: prepared.window is not None, timeout=10_000)  # typed: built
    gate.on_gui.clear()
    dialog.password.setText("hvdesk-demo")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)  # checked on its thread
    gate.opened.clear()  # from here every read off the GUI thread waits
    window = prepared.take(dialog.actor)
    assert window is not None
    paints = _Paints(gate)
    window.installEventFilter(paints)
    finish_window(window, rest_after_paint=True)  # as ui.app.run_gui does
    window.show()
    qtbot.waitUntil(lambda: paints.count > 0, timeout=10_000)
    try:
        assert paints.read_before == []  # Enter -> password checked -> started -> painted
        controller = window.feature(TrackerFeature).controller
        assert controller.windows == {} and controller.board is None  # its check is held
        assert window.today.next_alarm.text() == "Loading…"
        assert "loading" in window.today.later_title.text()
        assert window.monitoring_label.text() == "○ Monitoring: starting…"
        assert gate.held >= 1
    finally:
        gate.opened.set()
    qtbot.waitUntil(lambda: len(controller.windows) == 2, timeout=10_000)  # the demo's 2 overdue
    assert all(alarm.isVisible() for alarm in controller.windows.values())
    qtbot.waitUntil(window.today.startup_banner.isVisible, timeout=10_000)
    assert window.today.startup_banner.headline.text().endswith("2 alarms raised at start-up")
    assert window.monitoring_label.text() == "● Monitoring: ON" or controller.db_error == ""
    qtbot.waitUntil(lambda: "loading" not in window.today.later_title.text(), timeout=10_000)
    window.close()
    QCoreApplication.processEvents()
    delete_now(window)


@pytest.mark.parametrize("back_by", ["health", "timer"])
def test_today_says_its_lists_were_not_read_and_reads_them_again(
    qtbot, services, office_actor, answers, monkeypatch, back_by
):
    """The first read of Today's lists fails: Today says so (not 'loading…' for ever) and reads
    them again when the database answers again, or after a while if nothing says it did."""
    from ui import panels
    from ui.app import build_shell
    from ui.panels.today import TodayPanel

    real = TodayPanel._load_lists
    down = {"now": True}

    def flaky(self, now):
        if down["now"]:
            raise RuntimeError("server closed the connection unexpectedly")
        return real(self, now)

    monkeypatch.setattr(TodayPanel, "_load_lists", flaky)
    if back_by == "timer":
        monkeypatch.setattr(panels.today, "LIST_RETRY_MS", 50, raising=False)
    window = finish_window(build_shell(services, office_actor), rest_after_paint=True)
    window.show()
    today = window.today
    qtbot.waitUntil(lambda: "not read" in today.later_title.text(), timeout=10_000)
    assert "loading" not in today.approval_title.text()
    down["now"] = False
    if back_by == "health":
        window.live.health_changed.emit(None)  # the database answers again
    qtbot.waitUntil(lambda: re.fullmatch(r"LATER TODAY \(\d+\)", today.later_title.text()))
    window.close()
    QCoreApplication.processEvents()
    delete_now(window)
