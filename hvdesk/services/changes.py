"""How one seat learns, within a second, that another seat recorded something, and what it touched.

Every use case writes an audit Event in the same transaction as its change, so "what changed" is
always "the Events after the last one this seat has seen": their visits, alarms and kinds. What
differs per backend is only the wake-up, which must cost next to nothing while nothing happens:

- SQLite: `PRAGMA data_version` on one dedicated connection. It changes exactly when another
  connection commits, and is read from the open file's shared memory: no table is queried.
  Single-seat has one connection for the whole app, so there the watcher borrows it for a moment
  each poll and reads the newest Event id instead.
- PostgreSQL: `LISTEN hvdesk_changes` on one dedicated connection. Every transaction that wrote
  sends `NOTIFY` from inside the same transaction (the session hook in hvdesk/db.py), so the
  notification is delivered if and only if the change committed.

The watcher runs on its own thread and only calls back; the caller decides what to reload. When the
database stops answering it says so (`on_health` with the error) and keeps trying; when it answers
again it reports healthy and wakes once, so the seat catches up on everything it missed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from hvdesk.db import CHANGE_CHANNEL as CHANNEL
from hvdesk.db import Database
from hvdesk.models import Event

log = logging.getLogger(__name__)

POLL_S = 0.2  # SQLite: how often the data_version counter is read (a memory read, no I/O)
LISTEN_S = 0.5  # PostgreSQL: longest wait for a notification before checking for stop
RETRY_S = 2.0  # database not answering: try again this often
SETTINGS_KINDS = frozenset({"policy_changed", "school_changed"})
# Kinds that change only the live tracker (its board and alarm windows keep themselves current):
# the lists on the screens, the follow-up strip and the status bar's facts do not move with them.
TRACKER_KINDS = frozenset(
    {
        "checked_in",
        "office_call",
        "running_late",
        "arrived",
        "left_property",
        "parent_not_present",
        "duress",
        "alarm_raised",
        "alarm_acknowledged",
        "escalation_step",
        "alarm_resolved",
    }
)


@dataclass(frozen=True)
class Change:
    """What other seats (or this one) recorded since the last look."""

    last_event_id: int
    visit_ids: frozenset[int] = frozenset()
    alarm_ids: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()
    events: int = 0
    loose: bool = False  # some Event named no visit
    local: bool = False  # recorded by this seat (its screen waits for it), not another seat

    @property
    def empty(self) -> bool:
        return self.events == 0

    @property
    def settings(self) -> bool:
        """The policy or the school's details changed: cached copies are stale."""
        return bool(self.kinds & SETTINGS_KINDS)

    @property
    def tracker_only(self) -> bool:
        """Only the live tracker moved (a check-in, an alarm step): nothing else need reload."""
        return self.kinds <= TRACKER_KINDS

    @property
    def other_than_visits(self) -> bool:
        """Something not tied to one visit (staff, households, users, settings) changed."""
        return self.loose or self.settings


def latest_event_id(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0)


def changes_since(db: Database, last_event_id: int) -> Change:
    """One indexed query: the Events after `last_event_id`, summarised."""
    with db.read() as session:
        rows = session.execute(
            select(Event.id, Event.visit_id, Event.alarm_id, Event.kind)
            .where(Event.id > last_event_id)
            .order_by(Event.id)
        ).all()
    return summarise(last_event_id, rows)


def summarise(last_event_id: int, rows: Iterable[Any]) -> Change:
    rows = list(rows)
    if not rows:
        return Change(last_event_id)
    return Change(
        last_event_id=max(r[0] for r in rows),
        visit_ids=frozenset(r[1] for r in rows if r[1] is not None),
        alarm_ids=frozenset(r[2] for r in rows if r[2] is not None),
        kinds=frozenset(r[3] for r in rows),
        events=len(rows),
        loose=any(r[1] is None for r in rows),
    )


# --- the watcher thread ------------------------------------------------------------------------
class ChangeWatcher:
    """Calls `on_change()` (from its own thread) whenever another connection commits.

    `on_health(None)` while the database answers, `on_health("error text")` when it stops."""

    def __init__(
        self,
        db: Database,
        on_change: Callable[[], None],
        on_health: Callable[[str | None], None],
        *,
        poll_s: float = POLL_S,
    ) -> None:
        self.db = db
        self.on_change = on_change
        self.on_health = on_health
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.healthy = True
        self.wakes = 0
        self.watching = threading.Event()  # set once it knows where it starts from

    def start(self) -> None:
        url = self.db.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return  # one in-memory connection: no other connection can write to it
        self._thread = threading.Thread(target=self._run, name="hvdesk-changes", daemon=True)
        self._thread.start()

    def stop(self, wait_s: float = 5.0) -> None:
        """Stop watching; wait at most `wait_s` for the thread (0: not at all, when a window
        closes: a read it is stuck in ends by itself, and nothing is reported after this)."""
        self._stop.set()
        if self._thread is not None and wait_s > 0:
            self._thread.join(wait_s)

    def _run(self) -> None:
        if self.db.single_seat:
            self._watch_single_seat()
            return
        watch = self._watch_postgres if self.db.engine.dialect.name == "postgresql" else None
        while not self._stop.is_set():
            try:
                with self.db.engine.connect() as conn:
                    self._health(None)
                    (watch or self._watch_sqlite)(conn)
            except Exception as err:  # not answering: say so, try again, never die
                self._health(f"{type(err).__name__}: {err}".splitlines()[0])
                self._stop.wait(RETRY_S)

    def _health(self, error: str | None) -> None:
        if self._stop.is_set():  # stopped: whoever listened may be gone
            return
        was = self.healthy
        self.healthy = error is None
        if was != self.healthy:
            self.on_health(error)
            if self.healthy:
                self._wake()  # catch up on whatever happened meanwhile

    def _wake(self) -> None:
        if self._stop.is_set():
            return
        self.wakes += 1
        self.on_change()

    def _watch_single_seat(self) -> None:
        """Single-seat: every thread of the app takes turns on one connection (it holds the
        exclusive lock), so none can be kept here, and a commit on that same connection leaves
        data_version unchanged. Each poll borrows it for one indexed read of the newest Event
        (every write records one), which also catches this app's own worker's writes."""
        last: int | None = None
        while not self._stop.is_set():
            try:
                newest = latest_event_id(self.db)
            except Exception as err:  # not answering: say so, try again, never die
                self._health(f"{type(err).__name__}: {err}".splitlines()[0])
                self._stop.wait(RETRY_S)
                continue
            self._health(None)
            if last is not None and newest != last:
                self._wake()
            last = newest
            self.watching.set()
            self._stop.wait(self.poll_s)

    def _watch_sqlite(self, conn: Connection) -> None:
        version = conn.exec_driver_sql("PRAGMA data_version").scalar()
        self.watching.set()
        while not self._stop.wait(self.poll_s):
            now = conn.exec_driver_sql("PRAGMA data_version").scalar()
            if now != version:
                version = now
                self._wake()

    def _watch_postgres(self, conn: Connection) -> None:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql(f"LISTEN {CHANNEL}")
        self.watching.set()
        driver: Any = conn.connection.driver_connection
        while not self._stop.is_set():
            woke = False
            for _note in driver.notifies(timeout=LISTEN_S, stop_after=1):
                woke = True
            if woke:
                self._drain(driver)
                self._wake()

    @staticmethod
    def _drain(driver: Any) -> None:
        """Several commits in a burst are one wake-up: the reload reads all their Events."""
        for _note in driver.notifies(timeout=0.01):
            pass
