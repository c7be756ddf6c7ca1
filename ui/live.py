"""One live picture per window: the change feed every screen subscribes to.

The feed owns the change token (the last audit Event this seat has seen), the cached policy and the
wake-ups from other seats (hvdesk/changes.py: SQLite `PRAGMA data_version`, PostgreSQL
LISTEN/NOTIFY). Whatever is recorded, here or on another PC, reaches the screens as exactly one
`changed(Change)` naming the visits, alarms and kinds it touched, so each screen reloads once and
only what it shows of that.

- A write on this seat calls `recorded()` after its transaction: the feed reads the new Events on
  the background worker ahead of other reads (one small indexed query), so the screen answers the
  click without waiting for a wake-up, and the window never waits for the database.
- A write on another seat wakes the watcher thread; the feed reads the new Events on the background
  worker and announces them on the GUI thread. An idle seat makes no queries at all.
- When the database stops answering, `health_changed` says since when; when it answers again the
  watcher wakes once and the seat catches up on everything it missed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal

from hvdesk.policy import PolicySettings
from hvdesk.services.changes import Change, ChangeWatcher, changes_since, latest_event_id
from hvdesk.services.settings import SettingsService
from ui.services import AppServices
from ui.worker import Worker


class LiveFeed(QObject):
    changed = Signal(object)  # Change: what was recorded (on any seat) since the last one
    health_changed = Signal(object)  # None when the database answers, else the time it stopped
    _woke = Signal()  # from the watcher thread
    _health = Signal(object)  # from the watcher thread: None or the error text

    def __init__(self, services: AppServices, worker: Worker, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services
        self.worker = worker
        start = services.start  # read on the worker as the database opened, if it was
        self.last_event_id = latest_event_id(services.db) if start is None else start.last_event_id
        self._policy: PolicySettings | None = None if start is None else start.policy
        self._pulling = False
        self._pull_again = False
        self._local = False  # a pull owed to this seat's own write
        self.down_since: datetime | None = None
        self.error = ""
        self.announced = 0  # changes announced (for tests and the bench)
        self.reads = 0  # Event reads made (for tests and the bench)
        self._woke.connect(self.pull, Qt.ConnectionType.QueuedConnection)
        self._health.connect(self._on_health, Qt.ConnectionType.QueuedConnection)
        self.watcher = ChangeWatcher(services.db, self._woke.emit, self._health.emit)
        self.started = False

    # --- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        if not self.started:
            self.started = True
            if not self.services.db.single_seat:  # a single seat's file: nobody else writes
                self.watcher.start()  # (and the watcher would hold its only pooled connection)

    def stop(self) -> None:
        """Stop the wake-ups without waiting for the watcher (closing never waits on a read)."""
        if self.started:
            self.started = False
            self.watcher.stop(wait_s=0)

    # --- the cached policy -----------------------------------------------------------------
    def policy(self) -> PolicySettings:
        """The school's policy, read once and again only after someone changes it."""
        if self._policy is None:
            self._policy = SettingsService(self.services.db, self.services.clock).policy()
        return self._policy

    # --- changes -----------------------------------------------------------------------------
    def recorded(self) -> None:
        """This seat has just committed a change: read what, off the GUI thread, before the
        reads already queued (a failure shows as "database not answering since ...")."""
        self._local = True
        self.pull(priority=1)

    def pull(self, priority: int = 0) -> None:
        """Another seat committed something: read what, off the GUI thread."""
        if self._pulling:
            self._pull_again = True
            return
        self._pulling = True
        since, local, self._local = self.last_event_id, self._local, False
        self.reads += 1
        self.worker.submit(
            lambda: replace(changes_since(self.services.db, since), local=local),
            self._pulled,
            self._pull_failed,
            priority,
        )

    def _pulled(self, change: Change) -> None:
        self._pulling = False
        self._on_health(None)
        self._apply(change)
        if self._pull_again:
            self._pull_again = False
            self.pull(priority=1 if self._local else 0)

    def _pull_failed(self, message: str) -> None:
        self._pulling = False
        self.read_failed(message)

    def read_failed(self, message: str) -> None:
        """A read on the worker (a screen's, or this feed's) was not answered: the status bar
        says "database not answering since ..." (never a crash box)."""
        self._on_health(message.splitlines()[0])

    def _apply(self, change: Change) -> None:
        if change.empty or change.last_event_id <= self.last_event_id:
            return  # already announced (our own write, seen again by the watcher)
        self.last_event_id = change.last_event_id
        if change.settings:
            self._policy = None
        self.announced += 1
        self.changed.emit(change)

    # --- health ------------------------------------------------------------------------------
    def _on_health(self, error: object) -> None:
        if error is None:
            if self.down_since is not None:
                self.down_since = None
                self.error = ""
                self.health_changed.emit(None)
            return
        self.error = str(error)
        if self.down_since is None:
            self.down_since = self.services.clock.now()
            self.health_changed.emit(self.down_since)
