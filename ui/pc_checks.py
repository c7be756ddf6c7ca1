"""Looks at the PC's sound output and power plan every 30 seconds, off the GUI thread.

The readings call the mixer (COM on Windows, pactl on Linux) and powercfg/loginctl, any of which
can take seconds, or hang (a wedged audio service); on the GUI thread that would freeze the
tracker. Each reading runs on a daemon thread of its own, never on a pool the window waits for
when it closes: a hung mixer must not hold up closing (or quitting) for seconds, and a reading
that comes back after its window has gone is dropped. Readings run one at a time, every CHECK_MS,
when the alarm's output devices change, and when someone presses "Test alarm sound". A request
made while a reading is running is served by one more reading after it (the one under way may
have started before the change it was asked for), never by a queue of them.

A reading older than STALE_AFTER_S counts as unknown: while a reading hangs, neither an old
"all well" nor an old "muted" is left standing as if it were current.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from hvdesk import platform as os_platform
from hvdesk.pc_readiness import PcReading, read_pc
from hvdesk.platform.base import PlatformCalls

CHECK_MS = 30_000
STALE_AFTER_S = 90.0  # three missed looks
log = logging.getLogger(__name__)


class _Relay(QObject):
    arrived = Signal(object, object)  # (the PcChecks method to call, a PcReading or an error)


_relay: _Relay | None = None


def _gui_relay() -> _Relay:
    """The process's one relay, made on the GUI thread by the first PcChecks and never deleted,
    so a reading that finishes after its window closed still reports to a live object (and is
    dropped there) rather than to a deleted one."""
    global _relay
    if _relay is None:
        _relay = _Relay()
        _relay.arrived.connect(lambda deliver, result: deliver(result))
    return _relay


def load_com_here() -> None:
    """Windows: comtypes sets COM up on the thread that first imports it and undoes that at exit
    on the main thread; imported first by a reading's short-lived thread, the two would not
    match. So it is imported once here, on the GUI thread (already set up for COM by Qt); each
    reading still sets COM up and down on its own thread."""
    if sys.platform == "win32":
        with contextlib.suppress(ImportError):  # no pycaw/comtypes: the volume is unknown
            importlib.import_module("comtypes")


def _read_off_thread(
    platform: PlatformCalls, logged: set[str], deliver: Callable[[object], None]
) -> None:
    try:
        result: object = read_pc(platform, logged)
    except Exception as err:  # read_pc catches the platform's own; this is a defect, not a PC
        result = f"{type(err).__name__}: {err}"
    _gui_relay().arrived.emit(deliver, result)


class PcChecks(QObject):
    changed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        platform: PlatformCalls | None = None,
        interval_ms: int = CHECK_MS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.platform = platform or os_platform.current()
        self._reading = PcReading()  # unknown until the first look: nothing is claimed
        self._read_at: float | None = None
        self._monotonic = monotonic
        self.reads = 0
        self.logged: set[str] = set()  # failures already logged (once each, not every 30 s)
        _gui_relay()
        load_com_here()
        self._stopped = False
        self._running = False
        self._again = False
        self._waiting: list[Callable[[], None]] = []  # served by the reading under way
        self._next: list[Callable[[], None]] = []  # asked during it: served by the next one
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    @property
    def reading(self) -> PcReading:
        """The last reading, or unknown when there is none younger than STALE_AFTER_S."""
        if self._read_at is None or self._monotonic() - self._read_at > STALE_AFTER_S:
            return PcReading()
        return self._reading

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Take a fresh reading; `then` runs on the GUI thread once it has arrived."""
        if self._stopped:
            return
        if self._running:
            self._again = True
            if then is not None:
                self._next.append(then)
            return
        if then is not None:
            self._waiting.append(then)
        self._running = True
        threading.Thread(
            target=_read_off_thread,
            args=(self.platform, self.logged, self._delivered),
            name="hvdesk-pc-reading",
            daemon=True,  # a hung mixer never holds up quitting
        ).start()

    def _delivered(self, result: object) -> None:
        if self._stopped or not shiboken6.isValid(self):
            return  # the window closed while it read
        if isinstance(result, PcReading):
            self._reading = result
            self.reads += 1
        else:
            log.warning("reading the PC's sound and power plan failed: %s", result)
            self._reading = PcReading()  # unknown, not a silenced PC
        self._read_at = self._monotonic()
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
        """No more readings; one under way is left to finish on its own and is dropped."""
        self._stopped = True
        self.timer.stop()
