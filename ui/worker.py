"""One serialised background worker for database work that can take time (Anki's taskman idea).

Jobs run one at a time off the GUI thread; results and errors come back on the GUI thread by signal.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from PySide6.QtCore import (
    QDeadlineTimer,
    QEventLoop,
    QObject,
    QThreadPool,
    QTimer,
    Signal,
)

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object, object)  # (callback, result)
    failed = Signal(object, str)  # (callback, message)


class _Job:
    """One job, handed to the pool as a plain callable, not a QRunnable subclass: a Python
    QRunnable that finishes before `QThreadPool.start()` returns stays referenced by the pool's
    wrapper, with its function and callbacks, for as long as the pool lives (the soak's
    census: ~3 a minute in a busy window, for a week). Queued jobs are dropped by `drop` (they
    return at once), not by QThreadPool.clear(), which would keep each callable it discards."""

    def __init__(
        self,
        fn: Callable[[], Any],
        relay: _Relay,
        on_done: Any,
        on_error: Any,
        drop: threading.Event,
        pending: dict[int, str],
        key: int,
    ) -> None:
        self.fn, self.relay, self.on_done, self.on_error = fn, relay, on_done, on_error
        self.drop, self.pending, self.key = drop, pending, key

    def __call__(self) -> None:
        try:
            if self.drop.is_set():  # the worker closed while this was queued
                return
            self._run()
        finally:
            self.pending.pop(self.key, None)  # done (or dropped): no longer waiting to be done

    def _run(self) -> None:
        try:
            result = self.fn()
        except Exception as err:  # reported on the GUI thread, never lost
            self.relay.failed.emit(
                self.on_error, f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
            )
        else:
            self.relay.done.emit(self.on_done, result)


# Pools (with their relays, what they still have to do, the event that drops their queue and
# their own exit bound, if any) of abandoned workers whose jobs are still running: a closed
# window's last read, the writes it was closed with, or its backup (finished here, or dropped
# at exit: finish_abandoned).
_abandoned: list[tuple[QThreadPool, _Relay, dict[int, str], threading.Event, int | None]] = []


EXIT_WAIT_MS = 10_000  # how long hvdesk, exiting, still tries the writes it was closed with
# how much longer it waits for a backup under way, the window already gone: hvdesk holds its
# single-copy lock meanwhile, so a start in that time does nothing (review of #9: 30 minutes was an
# invisible hvdesk). Cut off, a backup leaves half-made files that the next one sweeps, and today's
# backup is made again at the next start (hvdesk.backup.daily_backup).
FILE_EXIT_WAIT_MS = 20_000
RELEASE_POLL_MS = 50  # how often a closed window's last read is looked at until it is over


def _release_when_done(pool: QThreadPool) -> None:
    """Let an abandoned pool (and its relay) go once its job is over: looked at on the GUI
    thread every RELEASE_POLL_MS meanwhile (a signal from the job could come before anyone
    listens for it)."""
    if pool.activeThreadCount() == 0:
        _abandoned[:] = [kept for kept in _abandoned if kept[0] is not pool]
    else:
        QTimer.singleShot(RELEASE_POLL_MS, lambda: _release_when_done(pool))


def finish_abandoned(msecs: int = EXIT_WAIT_MS) -> bool:
    """Once the last window is gone, before the database closes: let the jobs left running by
    closed windows end (at most `msecs`, or a worker's own `exit_wait_ms`: a backup under way is
    not cut off with the database's bound; nobody is looking at a window any more). Past that,
    the jobs still queued are dropped (Qt's pool would run every one of them before the process
    could exit) and everything not done is logged by name as lost. False: a job is still
    running past its bound (a database that does not answer): the caller exits without waiting
    for it (exit_without_waiting)."""
    deadline = QDeadlineTimer(msecs)
    for pool, *_kept, own_ms in sorted(list(_abandoned), key=lambda kept: kept[4] is not None):
        pool.waitForDone(deadline if own_ms is None else QDeadlineTimer(own_ms))
    for _pool, _relay, _pending, drop, _own_ms in _abandoned:
        drop.set()  # the queued ones return without running
    lost = [what for _pool, _relay, pending, *_kept in _abandoned for what in list(pending.values())]
    if lost:
        log.error(
            "hvdesk exits without waiting any longer: %d jobs not done are lost (one still "
            "running may or may not have reached the database): %s",
            len(lost),
            "; ".join(lost),
        )
    return all(pool.activeThreadCount() == 0 for pool, *_kept in _abandoned)


def exit_without_waiting(code: int) -> NoReturn:
    """End the process now, the log written out: Qt's thread-pool destructor would otherwise wait
    for a job still running on a database that never answers, for ever."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Worker(QObject):
    """Jobs in the order submitted (a higher `priority` goes before those still queued).

    `finish_queued`: on shutdown the queued jobs still run (a write the person pressed and was
    told is being saved is not dropped because the window closes, not even when it is closed
    without waiting for them: they run on until done or the process exits); otherwise they are
    dropped.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        finish_queued: bool = False,
        exit_wait_ms: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.finish_queued = finish_queued
        self.exit_wait_ms = exit_wait_ms  # how long exiting waits for its job (None: EXIT_WAIT_MS)
        self.submitted = 0  # jobs accepted so far (tests wait until no job starts another)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.relay = _Relay(self)
        self.relay.done.connect(self._report)
        self.relay.failed.connect(self._report)
        self._closed = False
        self._drop = threading.Event()  # set: the jobs still queued return without running
        self.abandoned = False  # closed without waiting (abandon): its results go nowhere
        self.outstanding = 0  # jobs accepted whose result has not yet come back
        # jobs accepted and not yet done, by what they are ("check-in for Begum"): kept up to
        # date on the worker's thread, so it stays true after the window has gone
        self.pending: dict[int, str] = {}
        self.waits = True  # drain() waits (False: closed anyway, it does not wait again)

    settled = Signal()  # the last outstanding job's result came back

    def _report(self, callback: Callable[[Any], None] | None, value: object) -> None:
        self.outstanding -= 1
        try:
            if callback:
                callback(value)
        finally:
            if self.outstanding == 0:
                self.settled.emit()

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        priority: int = 0,
        *,
        what: str = "",
    ) -> None:
        """`what`: the job in words, for the log and the person if it is never done; required on
        a write worker (`finish_queued`), whose jobs are listed when hvdesk closes before they
        are recorded."""
        if self.finish_queued and not what.strip():
            raise ValueError("a write needs `what`, in words: it may be listed to the person")
        if self._closed:  # the window is going away: a late refresh must not outlive it
            log.warning("Work given after the window closed was not done: %s", what or repr(fn))
            return
        self.submitted += 1
        self.outstanding += 1
        key = self.submitted
        self.pending[key] = what or "a background read"
        job = _Job(fn, self.relay, on_done, on_error, self._drop, self.pending, key)
        self.pool.start(job, priority)

    def not_done(self) -> list[str]:
        """What is accepted and not yet done, in words, oldest first."""
        pending = dict(self.pending)  # a copy: the worker's thread takes jobs out as they end
        return [pending[key] for key in sorted(pending)]

    def wait(self, msecs: int = 10_000) -> bool:
        """Every job accepted has run (at once for an abandoned worker: nothing comes back)."""
        return self.abandoned or self.pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 10_000) -> bool:
        """Refuse new jobs, drop queued ones (unless `finish_queued`) and wait for the running one.

        Called when the owning window closes: a job still running when the window is destroyed
        would report to a deleted object.
        """
        self._closed = True
        if not self.finish_queued:
            self._drop.set()
        return self.pool.waitForDone(msecs)

    def abandon(self) -> None:
        """Close for good without waiting: refuse new jobs, drop the queued ones (unless
        `finish_queued`: the writes pressed run on, in order, until done or, once the last window
        is gone, EXIT_WAIT_MS have passed: finish_abandoned),
        and let a job still running finish on its own thread with its result dropped (for reads,
        when the window closes: nobody will look at them, and closing never waits for the
        database).

        The pool and the relay the running job reports to are handed to `_abandoned`, so they
        outlive this worker (and its window) until its jobs are over."""
        if self.abandoned:
            return
        self._closed = self.abandoned = True
        if not self.finish_queued:
            self._drop.set()
        self.relay.done.disconnect(self._report)
        self.relay.failed.disconnect(self._report)
        self.outstanding = 0
        if self.pool.activeThreadCount() == 0:
            return
        pool, relay = self.pool, self.relay
        pool.setParent(None)
        relay.setParent(None)
        _abandoned.append((pool, relay, self.pending, self._drop, self.exit_wait_ms))
        _release_when_done(pool)

    def drain(self, msecs: int = 10_000) -> bool:
        """Refuse new jobs and let every accepted one finish and report, while the window keeps
        painting (an event loop, never a wait that freezes the GUI thread); at most `msecs`.

        For the write worker on close: what was pressed is written and its result handled.
        True when nothing is outstanding any more."""
        self._closed = True
        return self.wait_settled(msecs if self.waits else 0)

    def wait_settled(self, msecs: int = 10_000) -> bool:
        """Wait (at most `msecs`) until every accepted job has reported, while the window keeps
        painting; new jobs are still accepted. True when nothing is outstanding."""
        if self.outstanding > 0 and msecs > 0:
            loop = QEventLoop()
            self.settled.connect(loop.quit)
            QTimer.singleShot(msecs, loop.quit)
            loop.exec()
            self.settled.disconnect(loop.quit)
        return self.outstanding == 0
