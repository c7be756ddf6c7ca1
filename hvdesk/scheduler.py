"""Turns each visit's next deadline into one timed callback, with a safety sweep (DESIGN 10).

A timer is never the truth: the database is. The tracker derives, per visit, the next moment its
level changes or a deadline lapses; this module keeps exactly one APScheduler job per visit for that
moment (event-driven: re-armed whenever the plan changes, never a polling loop). When a job fires it
only says "look now" (`on_wake`); the tracker re-derives everything from the database.

Known weaknesses of timers, and what covers them:
- APScheduler runs jobs on a worker thread, even under QtScheduler: `on_wake` must only forward
  (the Qt glue emits a queued signal); nothing here touches widgets or the database.
- A persistent job store silently drops jobs whose callable cannot be re-imported, so jobs live in
  memory (MemoryJobStore) and are rebuilt from the database; misfires are never dropped
  (misfire_grace_time=None) and a late run is coalesced into one.
- Timers drift or stall across sleep and clock changes: a slow sweep (every ~30 s) compares wall
  time with monotonic time; a jump means sleep or a clock change, and either way the tracker
  re-derives everything from the database.
- Qt timer intervals overflow past 2**31 ms: the Qt glue clamps them (ui/tracker/qt_scheduler.py).

Pure Python with an injectable clock; the backend defaults to a BackgroundScheduler (headless use,
tests) and is a QtScheduler in the app.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler

from hvdesk.clock import Clock

log = logging.getLogger(__name__)

SWEEP_JOB = "hvdesk:sweep"
PROBE_JOB = "hvdesk:probe"
DEFAULT_SWEEP_S = 30.0
DEFAULT_PROBE_S = 5.0
JUMP_TOLERANCE_S = 5.0


@dataclass(frozen=True, slots=True)
class Wake:
    """Why the tracker should look now."""

    reason: str  # deadline | sweep | jump | changes | probe_failed
    key: str = ""  # the plan key for a deadline
    jump_s: float = 0.0  # wall minus monotonic drift, for a jump
    error: str = ""


def backend_options() -> dict[str, Any]:
    """The APScheduler configuration every backend gets (memory store, misfires never dropped)."""
    return {
        "jobstores": {"default": MemoryJobStore()},
        "executors": {"default": ThreadPoolExecutor(max_workers=1)},
        "job_defaults": {"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        "timezone": UTC,
    }


class DeadlineScheduler:
    """One job per plan key (e.g. 'visit:12', 'alarm:3') at its next moment, plus the sweep.

    `on_wake(Wake)` is called from a worker thread. `probe()` (optional) returns a token that changes
    whenever another seat records something; it runs on the worker thread too, every `probe_s`.
    """

    def __init__(
        self,
        clock: Clock,
        on_wake: Callable[[Wake], None],
        *,
        backend: BaseScheduler | None = None,
        sweep_s: float = DEFAULT_SWEEP_S,
        probe: Callable[[], object] | None = None,
        probe_s: float = DEFAULT_PROBE_S,
        jump_tolerance_s: float = JUMP_TOLERANCE_S,
    ) -> None:
        self.clock = clock
        self.on_wake = on_wake
        self.backend = backend if backend is not None else BackgroundScheduler()
        self.backend.configure(**backend_options())
        self.sweep_s = sweep_s
        self.probe = probe
        self.probe_s = probe_s
        self.jump_tolerance_s = jump_tolerance_s
        self._armed: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._baseline = (clock.now(), clock.monotonic())
        self._token: object = None
        self.last_sweep_at: datetime | None = None
        self.jumps: list[float] = []

    # --- life cycle ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return bool(self.backend.state != STATE_STOPPED)

    def start(self) -> None:
        self._baseline = (self.clock.now(), self.clock.monotonic())
        self.backend.start()
        self.backend.add_job(
            self.sweep, "interval", seconds=self.sweep_s, id=SWEEP_JOB, replace_existing=True
        )
        if self.probe is not None:
            try:
                self._token = self.probe()
            except Exception:  # the first sweep will report it
                self._token = None
            self.backend.add_job(
                self._probe, "interval", seconds=self.probe_s, id=PROBE_JOB, replace_existing=True
            )

    def shutdown(self) -> None:
        """Stop every job and wait for a running one to finish (nothing ticks afterwards)."""
        if self.running:
            # APScheduler 3 race: shutdown() marks the scheduler stopped before taking its lock,
            # so a pass already under way fails to remove a finished job (JobLookupError on its
            # thread). Pause, let that pass finish, then shut down.
            self.backend.pause()
            with self.backend._jobstores_lock:
                pass
            self.backend.shutdown(wait=True)
        with self._lock:
            self._armed.clear()

    # --- the plan ------------------------------------------------------------------------
    def arm(self, plan: Mapping[str, datetime]) -> None:
        """Make the jobs match the plan: add new keys, move changed ones, drop the rest."""
        with self._lock:
            current = dict(self._armed)
        for key in set(current) - set(plan):
            self._remove(key)
        for key, when in plan.items():
            if current.get(key) != when or self._job_missing(key):
                self._add(key, when)

    def armed(self) -> dict[str, datetime]:
        with self._lock:
            return dict(self._armed)

    def next_wake(self) -> datetime | None:
        with self._lock:
            return min(self._armed.values(), default=None)

    def _run_date(self, when: datetime) -> datetime:
        """The clock's time as the backend's wall time (they are the same with the system clock)."""
        return datetime.now(UTC) + (when - self.clock.now())

    def _job_missing(self, key: str) -> bool:
        return self.running and self.backend.get_job(key) is None

    def _add(self, key: str, when: datetime) -> None:
        with self._lock:
            self._armed[key] = when
        if not self.running:
            return
        self.backend.add_job(
            self._fire,
            "date",
            run_date=self._run_date(when),
            args=[key, when],
            id=key,
            replace_existing=True,
        )

    def _remove(self, key: str) -> None:
        with self._lock:
            self._armed.pop(key, None)
        if self.running:
            with contextlib.suppress(JobLookupError):  # it has just run
                self.backend.remove_job(key)

    def _fire(self, key: str, when: datetime) -> None:
        with self._lock:
            if self._armed.get(key) == when:
                del self._armed[key]
        self.on_wake(Wake("deadline", key=key))

    # --- the safety net ------------------------------------------------------------------
    def sweep(self) -> Wake:
        """Re-derive everything (on_wake), noting a wall-clock jump (sleep, clock change)."""
        wall, mono = self.clock.now(), self.clock.monotonic()
        wall0, mono0 = self._baseline
        drift = (wall - wall0).total_seconds() - (mono - mono0)
        self._baseline = (wall, mono)
        self.last_sweep_at = wall
        if abs(drift) > self.jump_tolerance_s:
            self.jumps.append(drift)
            log.warning("wall clock jumped %.0f s against monotonic time: re-deriving", drift)
            wake = Wake("jump", jump_s=drift)
        else:
            wake = Wake("sweep")
        self.on_wake(wake)
        return wake

    def _probe(self) -> None:
        if self.probe is None:
            return
        try:
            token = self.probe()
        except Exception as err:  # the database is not answering: say so, keep trying
            self.on_wake(Wake("probe_failed", error=f"{type(err).__name__}: {err}"))
            return
        if token != self._token:
            self._token = token
            self.on_wake(Wake("changes"))
