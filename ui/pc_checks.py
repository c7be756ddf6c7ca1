"""Looks at the PC's sound output and power plan every 30 seconds, off the GUI thread.

The readings call the mixer (COM on Windows, pactl on Linux) and powercfg/loginctl, any of which
can take seconds; on the GUI thread that would freeze the tracker. They run one at a time on a
worker of their own (so a slow powercfg never delays the window's database reads), every
CHECK_MS, when the alarm's output devices change, and when someone presses "Test alarm sound".
A request made while a reading is running is served by one more reading after it (the one under
way may have started before the change it was asked for), never by a queue of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from hvdesk import platform as os_platform
from hvdesk.pc_readiness import PcReading, read_pc
from hvdesk.platform.base import PlatformCalls
from ui.worker import Worker

CHECK_MS = 30_000
log = logging.getLogger(__name__)


class PcChecks(QObject):
    changed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        platform: PlatformCalls | None = None,
        interval_ms: int = CHECK_MS,
    ) -> None:
        super().__init__(parent)
        self.platform = platform or os_platform.current()
        self.reading = PcReading()  # unknown until the first look: nothing is claimed
        self.reads = 0
        self.worker = Worker(self)
        self._running = False
        self._again = False
        self._waiting: list[Callable[[], None]] = []  # served by the reading under way
        self._next: list[Callable[[], None]] = []  # asked during it: served by the next one
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Take a fresh reading; `then` runs on the GUI thread once it has arrived."""
        if self._running:
            self._again = True
            if then is not None:
                self._next.append(then)
            return
        if then is not None:
            self._waiting.append(then)
        self._running = True
        platform = self.platform
        self.worker.submit(lambda: read_pc(platform), self._arrived, self._failed)

    def _arrived(self, reading: PcReading) -> None:
        self.reading = reading
        self.reads += 1
        self._finish()

    def _failed(self, message: str) -> None:
        log.warning("reading the PC's sound and power plan failed: %s", message)
        self.reading = PcReading()  # unknown, not a silenced PC
        self._finish()

    def _finish(self) -> None:
        self._running = False
        waiting, self._waiting = self._waiting, []
        self.changed.emit()
        for then in waiting:
            then()
        if self._again:
            self._again = False
            self._waiting, self._next = self._next, []
            self.refresh()

    def stop(self) -> None:
        self.timer.stop()
