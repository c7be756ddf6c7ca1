"""APScheduler's QtScheduler with one owned, stoppable QTimer.

Under PySide6, QTimer.singleShot() returns None, so the stock QtScheduler can neither stop nor
replace its wake-up timer: every re-arm leaves another timer pending, and they keep firing after
shutdown (into the next test, or a closed window). This subclass keeps a single parented QTimer,
clamps its interval below Qt's 2**31 ms overflow (and to an hour, so long waits are re-checked),
and does nothing once shut down. Jobs still run on APScheduler's worker thread.
"""

from __future__ import annotations

import math

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.qt import QtScheduler
from PySide6.QtCore import QObject, Qt, QTimer

MAX_WAIT_MS = 3_600_000  # an hour: far below 2**31 - 1 ms (24.8 days), where Qt timers overflow


class SafeQtScheduler(QtScheduler):
    def __init__(self, parent: QObject | None = None, **options: object) -> None:
        self._qtimer = QTimer(parent)
        self._qtimer.setSingleShot(True)
        self._qtimer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may be 5% late
        self._qtimer.timeout.connect(self._process_jobs)
        super().__init__(**options)

    @property
    def qtimer(self) -> QTimer:
        return self._qtimer

    def _start_timer(self, wait_seconds: float | None) -> None:
        self._stop_timer()
        if wait_seconds is None or self.state == STATE_STOPPED:
            return
        self._qtimer.start(min(max(math.ceil(wait_seconds * 1000), 0), MAX_WAIT_MS))

    def _stop_timer(self) -> None:
        self._qtimer.stop()

    def _process_jobs(self) -> None:
        if self.state == STATE_STOPPED:
            return
        super()._process_jobs()

    def shutdown(self, *args: object, **kwargs: object) -> None:
        super().shutdown(*args, **kwargs)
        self._qtimer.stop()
