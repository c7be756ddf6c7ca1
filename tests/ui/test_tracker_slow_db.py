"""A deadline passing while the database is slow: the window keeps answering, the alarm still opens.

The database is held still by a gate on every statement (the change watcher's own wake-up read
left out); the test waits with qtbot.waitUntil, never a sleep on the wall clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from sqlalchemy import event

from hvdesk.db import Database
from hvdesk.scheduler import Wake
from tests.ui.waiting import idle
from ui.tracker.feature import TrackerFeature

pytestmark = pytest.mark.ui
HELD_S = 3.0  # how long a statement waits at most for the gate (the whole test fails first)
# A statement of the check on the GUI thread would stall it HELD_S at least; the margin below
# that is for a loaded machine (other work of the window, eight engineers on two cores).
STALL_MS = 1000


class Heartbeat:
    """The GUI thread's beats every 10 ms and the longest gap between two (a freeze)."""

    def __init__(self) -> None:
        self.beats = 0
        self.longest_ms = 0
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.clock.start()
        self.timer.start()

    def _beat(self) -> None:
        self.beats += 1
        self.longest_ms = max(self.longest_ms, self.clock.restart())


@contextmanager
def held(db: Database) -> Iterator[dict[str, Any]]:
    """Every statement waits for `gate` (at most HELD_S); `threads` names who sent them."""
    seen: dict[str, Any] = {"gate": threading.Event(), "threads": []}

    def hold(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
        if "data_version" in sql:  # the watcher's wake-up read, on its own thread
            return
        seen["threads"].append(threading.current_thread() is threading.main_thread())
        seen["gate"].wait(HELD_S)

    event.listen(db.engine, "before_cursor_execute", hold)
    try:
        yield seen
    finally:
        seen["gate"].set()
        event.remove(db.engine, "before_cursor_execute", hold)


def test_a_deadline_passing_while_the_database_is_slow_freezes_nothing(window, qtbot):
    ctrl = window.feature(TrackerFeature).controller
    idle(window, qtbot)
    before = set(ctrl.windows)
    now = ctrl.clock.now()
    lapse = ctrl.board.next_alarm_at(now)
    assert lapse is not None  # the demo has visits out with deadlines still to come
    ctrl.clock.advance(lapse - now + timedelta(seconds=1))
    with held(window.services.db) as db:
        beat = Heartbeat()
        ctrl.woke.emit(Wake("deadline", key="visit:test"))  # as the scheduler's thread does
        qtbot.waitUntil(lambda: bool(db["threads"]), timeout=2000)  # the check's first read
        start = beat.beats
        qtbot.waitUntil(lambda: beat.beats >= start + 20, timeout=2000)  # 200 ms held
        assert beat.longest_ms < STALL_MS, f"the GUI thread stalled {beat.longest_ms} ms"
        assert not any(db["threads"]), "a statement of the check ran on the GUI thread"
        assert set(ctrl.windows) == before  # nothing shown until the check is back
        db["gate"].set()
        qtbot.waitUntil(lambda: len(ctrl.windows) > len(before), timeout=5000)
    new = [w for i, w in ctrl.windows.items() if i not in before]
    assert len(new) == 1 and "OVERDUE" in new[0].windowTitle() and new[0].isVisible()
    assert not any(db["threads"])  # the whole check ran on the worker
