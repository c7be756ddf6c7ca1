"""PySide6 is pinned to 6.11.3 because 6.12.0 aborts on Python 3.11 after ~2,000 Signal.emit().

The tracker emits a signal every second (ticks), on every check and from APScheduler's worker
thread: this proves the installed PySide6 survives 100,000 emissions in one process, direct and
queued across threads, with the argument types the tracker uses.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, Signal

from hvdesk.scheduler import Wake

pytestmark = pytest.mark.ui
TOTAL = 100_000


class Emitter(QObject):
    ticked = Signal(object)
    woke = Signal(object)
    counted = Signal(int)


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.ticks = 0
        self.wakes = 0
        self.total = 0

    def on_tick(self, _now: object) -> None:
        self.ticks += 1

    def on_wake(self, _wake: object) -> None:
        self.wakes += 1

    def on_count(self, value: int) -> None:
        self.total += value


def test_pyside_is_the_pinned_version():
    assert pyside_version == "6.11.3"


def test_a_hundred_thousand_emits_in_one_process(qtbot):
    emitter, receiver = Emitter(), Receiver()
    emitter.ticked.connect(receiver.on_tick)
    emitter.counted.connect(receiver.on_count)
    emitter.woke.connect(receiver.on_wake, Qt.ConnectionType.QueuedConnection)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    direct = TOTAL * 8 // 10
    for i in range(direct // 2):
        emitter.ticked.emit(now)
        emitter.counted.emit(i % 3)
    queued = TOTAL - direct

    def worker() -> None:  # like APScheduler's worker thread
        for _ in range(queued):
            emitter.woke.emit(Wake("deadline", key="visit:1"))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=60)
    qtbot.waitUntil(lambda: receiver.wakes == queued, timeout=30_000)
    assert receiver.ticks == direct // 2
    assert receiver.total == sum(i % 3 for i in range(direct // 2))
    assert receiver.ticks * 2 + receiver.wakes == TOTAL
