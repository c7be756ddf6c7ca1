"""Who monitors: a lease row in the database, renewed by heartbeats.

Only the holder raises escalation messages and sends, so two monitors (or a monitor and office
windows) never send the same message twice. Taking the lease is one conditional UPDATE (a
compare-and-set that works the same on SQLite and PostgreSQL): it succeeds when the lease is ours,
has expired, or is held by a window and we are a headless monitor (a monitor on the always-on
server outranks an office PC). A holder that dies stops beating; another takes over once the lease
expires (LEASE_S), well within a minute.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError

from hvdesk.clock import Clock
from hvdesk.db import Database
from hvdesk.models import MonitorLease

LEASE_NAME = "monitor"
LEASE_S = 40.0
BEAT_S = 10.0
SILENT_WARNING_S = 120.0  # windows warn loudly when no monitor has beaten for this long
MONITOR = "monitor"
WINDOW = "window"
COMMAND = "command"  # a one-off `notify test` with no monitor running


@dataclass(frozen=True)
class LeaseStatus:
    host: str
    kind: str  # monitor | window | "" (nobody ever)
    holder: str
    beat_at: datetime | None
    lease_until: datetime | None

    def age_s(self, now: datetime) -> float | None:
        return None if self.beat_at is None else max(0.0, (now - self.beat_at).total_seconds())

    def alive(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now

    def silent(self, now: datetime) -> bool:
        age = self.age_s(now)
        return age is None or age > SILENT_WARNING_S


class Lease:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        kind: str = MONITOR,
        host: str | None = None,
        pid: int | None = None,
        lease_s: float = LEASE_S,
    ) -> None:
        self.db, self.clock, self.kind = db, clock, kind
        self.host = host or socket.gethostname()
        self.pid = pid if pid is not None else os.getpid()
        self.holder = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.lease_s = lease_s
        self.held = False

    def beat(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; True while we hold it."""
        now = now or self.clock.now()
        until = now + timedelta(seconds=self.lease_s)
        mine = MonitorLease.holder == self.holder
        free = or_(MonitorLease.lease_until.is_(None), MonitorLease.lease_until <= now)
        takeable = or_(mine, free)
        if self.kind == MONITOR:
            takeable = or_(takeable, MonitorLease.holder_kind.in_((WINDOW, COMMAND)))
        values = {
            "holder": self.holder,
            "holder_host": self.host,
            "holder_pid": self.pid,
            "holder_kind": self.kind,
            "beat_at": now,
            "lease_until": until,
        }
        with self.db.transaction() as session:
            taken = session.execute(
                update(MonitorLease)
                .where(and_(MonitorLease.name == LEASE_NAME, takeable))
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if taken and not self.held:
                session.execute(
                    update(MonitorLease)
                    .where(MonitorLease.name == LEASE_NAME, mine)
                    .values(acquired_at=now)
                    .execution_options(synchronize_session=False)
                )
        if not taken:
            taken = self._create(now, values)
        self.held = bool(taken)
        return self.held

    def _create(self, now: datetime, values: dict[str, object]) -> bool:
        try:
            with self.db.transaction() as session:
                if session.get(MonitorLease, LEASE_NAME) is not None:
                    return False
                session.add(MonitorLease(name=LEASE_NAME, acquired_at=now, **values))
        except IntegrityError:
            return False  # another process created it at the same moment
        return True

    def release(self) -> None:
        """Give the lease up at a clean stop, so another monitor takes over at once."""
        with self.db.transaction() as session:
            session.execute(
                update(MonitorLease)
                .where(MonitorLease.name == LEASE_NAME, MonitorLease.holder == self.holder)
                .values(lease_until=self.clock.now())
                .execution_options(synchronize_session=False)
            )
        self.held = False


def status(db: Database) -> LeaseStatus:
    """Who holds the lease and when they last beat (what every window's status bar shows)."""
    with db.read() as session:
        row = session.get(MonitorLease, LEASE_NAME)
        if row is None:
            return LeaseStatus("", "", "", None, None)
        return LeaseStatus(
            row.holder_host, row.holder_kind, row.holder, row.beat_at, row.lease_until
        )
