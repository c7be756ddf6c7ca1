"""The monitor: the deadline engine, the escalation clock and the sender, in one loop.

`python main.py monitor` runs it headless on the school's always-on server; every office window
runs the same loop as a 'window' without the deadline engine (the window raises its own alarms on
screen). Whoever holds the lease (hvdesk.notify.lease) does the outside work: raising escalation
messages when they fall due and sending the outbox. A headless monitor outranks windows, so when a
monitor runs, windows never send; when none runs, one window sends (so a school without a server
still gets its texts while an office PC is on).

Known weaknesses, and what covers them:
- the process can be killed at any moment: every message is queued in its cause's transaction and
  claimed before sending (hvdesk.notify.sender), so a restart sends what was queued, once;
- the lease holder can hang or lose the network: it stops beating, the lease expires after
  LEASE_S and another monitor or window takes over;
- timers drift across sleep: the deadline engine is hvdesk.scheduler (sweep and wall/monotonic
  check); the escalation clock and sender also poll every `poll_s` seconds, so nothing waits on a
  timer alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hvdesk import in_use
from hvdesk.clock import Clock
from hvdesk.db import Database
from hvdesk.models import Alarm, OutboxMessage, Visit
from hvdesk.notify import config as notify_config
from hvdesk.notify import lease as leases
from hvdesk.notify import outbox
from hvdesk.notify.channels import Sender
from hvdesk.notify.sender import OutboxSender, SendReport
from hvdesk.platform.heap import release_free_memory
from hvdesk.rules import escalation_messages as em
from hvdesk.scheduler import DeadlineScheduler, Wake
from hvdesk.services.text_polling import PollResult, TextPoller
from hvdesk.services.texts_in import SafetyChecks
from hvdesk.services.tracker import TrackerService

log = logging.getLogger(__name__)

DELIVERY_CHECK_S = 60.0  # how often sent texts are asked about (a delivery report)
POLL_S = 5.0  # for messages queued by other seats; deadlines wake the loop at once
SAFETY_CHECK_S = 60.0  # a window holding the lease looks for safety-check texts this often
# glibc's free memory back to the system this often (a monitor runs for weeks; as the window's
# once-a-minute trim, hvdesk.platform.heap); on the monitor's own thread, between passes
TRIM_S = 60.0
TEXTS_POLL_S = 10.0  # texts in from the field: a check-in shows within this plus the loop's wait


def default_channels(db: Database) -> Callable[[], tuple[dict[str, Sender], dict[str, str]]]:
    """Channels from the shared settings and this machine's secrets, rebuilt on every pass."""

    def build() -> tuple[dict[str, Sender], dict[str, str]]:
        with db.read() as session:
            config = notify_config.load(session)
        return notify_config.build_channels(config)

    return build


class EscalationClock:
    """Queues the escalation messages that fall due with time (nobody took the alarm)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def _alarm_ids(self) -> list[int]:
        """Open alarms, and closed ones whose contacts may still be owed 'handled'."""
        with self.db.read() as session:
            open_ids = set(session.scalars(select(Alarm.id).where(Alarm.resolved_at.is_(None))))
            handled = select(OutboxMessage.alarm_id).where(OutboxMessage.kind == em.HANDLED)
            told = set(
                session.scalars(
                    select(OutboxMessage.alarm_id)
                    .join(Alarm, Alarm.id == OutboxMessage.alarm_id)
                    .where(
                        OutboxMessage.kind == em.ALARM,
                        Alarm.acknowledged_at.is_not(None) | Alarm.resolved_at.is_not(None),
                        OutboxMessage.alarm_id.not_in(handled),
                    )
                    .distinct()
                )
            )
        return sorted(open_ids | {i for i in told if i is not None})

    def tick(self, now: datetime | None = None) -> tuple[int, datetime | None]:
        """Queue what is due; return how many were queued and when the next one falls due."""
        now = now or self.clock.now()
        queued = 0
        next_at: datetime | None = None
        for alarm_id in self._alarm_ids():
            with self.db.transaction() as session:
                alarm = session.get(Alarm, alarm_id)
                if alarm is None:
                    continue
                queued += len(outbox.alarm_changed(session, alarm, now))
                when = _next_due(session, alarm, now)
            if when is not None and (next_at is None or when < next_at):
                next_at = when
        return queued, next_at


def _next_due(session: Session, alarm: Alarm, now: datetime) -> datetime | None:
    visit = session.get(Visit, alarm.visit_id) if alarm.visit_id is not None else None
    # an alarm about a person with no one visit has no responsible contact: the ladder only
    responsible = outbox.responsible_of(visit) if visit is not None else None
    policy = outbox._policy(session)
    current = outbox.ladder_round(session, alarm)
    return em.next_due(
        current.facts,
        outbox.ladder_people(session),
        responsible,
        current.told.alarm,
        now,
        timedelta(minutes=policy.escalate_after_min),
    )


@dataclass
class TickReport:
    holds_lease: bool
    raised: int = 0
    queued: int = 0
    sent: SendReport = field(default_factory=SendReport)
    delivered: int = 0
    next_due: datetime | None = None
    texts: PollResult | None = None  # texts in from the field, when polled this pass


class Monitor:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        kind: str = leases.MONITOR,
        raise_alarms: bool = True,
        channels: Any = None,
        lease: leases.Lease | None = None,
        beat_s: float = leases.BEAT_S,
        poll_s: float = POLL_S,
        texts_poll_s: float | None = None,
    ) -> None:
        self.db, self.clock = db, clock
        self.kind = kind
        self.raise_alarms = raise_alarms
        self.lease = lease or leases.Lease(db, clock, kind=kind)
        self.tracker = TrackerService(db, clock)
        self.escalation = EscalationClock(db, clock)
        self.sender = OutboxSender(
            db, clock, channels or default_channels(db), holder=self.lease.holder
        )
        self.beat_s, self.poll_s = beat_s, poll_s
        self.sender.still_mine = self._still_mine
        self.safety_checks = SafetyChecks(db, clock)
        self.texts = TextPoller(
            db, clock, channels or default_channels(db), every_s=texts_poll_s or TEXTS_POLL_S
        )
        self._last_beat: float | None = None
        self._last_delivery: float | None = None
        self._last_safety: float | None = None
        self._last_trim: float | None = None
        self._look = True  # re-derive the deadlines on the next tick
        self._next_change: datetime | None = None  # and at this time even if no timer fires
        self._wake = threading.Event()
        self.scheduler: DeadlineScheduler | None = None
        self.stopped = threading.Event()

    def _trim_when_due(self) -> None:
        """The headless monitor's minute trim (a window's sender leaves it to the window's)."""
        if self.kind != leases.MONITOR:
            return
        mono = self.clock.monotonic()
        if self._last_trim is None or mono - self._last_trim >= TRIM_S:
            release_free_memory()
            self._last_trim = mono

    # --- one pass ---------------------------------------------------------------------------
    def _still_mine(self) -> bool:
        """Between messages of a long pass: beat if one is due; do we still hold the lease?"""
        mono = self.clock.monotonic()
        if self._last_beat is None or mono - self._last_beat >= self.beat_s:
            self.lease.beat()
            self._last_beat = mono
        return self.lease.held

    def tick(self, now: datetime | None = None) -> TickReport:
        now = now or self.clock.now()
        mono = self.clock.monotonic()
        had = self.lease.held
        if self._last_beat is None or mono - self._last_beat >= self.beat_s:
            self.lease.beat(now)
            self._last_beat = mono
            if self.lease.held and not had:
                self.sender.recover_before = now  # claims from before us are a dead holder's
            if self.lease.held != had:
                log.info(
                    "%s the monitoring lease (%s)",
                    "took" if self.lease.held else "lost",
                    self.lease.holder,
                )
                self._look = True
        report = TickReport(self.lease.held)
        if not self.lease.held:
            return report
        due = self._next_change is not None and now >= self._next_change
        if self.raise_alarms and (self._look or due):
            self._look = False
            raised, board = self.tracker.check(now)
            report.raised = len(raised)
            for r in raised:
                log.warning("ALARM raised: %s: %s", r.visit_label, r.reason)
            report.queued += self.safety_checks.queue(board, now)
            plan = board.wakeups(now)
            self._next_change = min(plan.values(), default=None)
            if self.scheduler is not None:
                self.scheduler.arm(plan)
        elif not self.raise_alarms and self._safety_checks_due(mono):
            report.queued += self._queue_safety_checks(now)
        report.texts = self.texts.tick()  # before sending, so replies go out in this pass
        if report.texts is not None and report.texts.handled:
            self._look = True  # a text moved a deadline or raised an alarm
        queued, report.next_due = self.escalation.tick(now)
        report.queued += queued
        # Replies to texts were queued after `now`: send them in this pass, not the next.
        report.sent = self.sender.run_once(self.clock.now() if report.texts else now)
        if self._last_delivery is None or mono - self._last_delivery >= DELIVERY_CHECK_S:
            self._last_delivery = mono
            report.delivered = self.sender.check_delivery(now)
        return report

    def _safety_checks_due(self, mono: float) -> bool:
        """A window raises alarms on its own screen, but whoever holds the lease sends the
        safety-check texts: look once a minute (a check stays due until its grace ends)."""
        due = self._look or self._last_safety is None or mono - self._last_safety >= SAFETY_CHECK_S
        if due:
            self._look, self._last_safety = False, mono
        return due

    def _queue_safety_checks(self, now: datetime) -> int:
        policy = self.tracker.policy()
        if not policy.text_safety_check:
            return 0  # the switch is off: no board to load
        return self.safety_checks.queue(self.tracker.board(now, policy), now)

    # --- the loop ----------------------------------------------------------------------------
    def on_wake(self, wake: Wake) -> None:
        """From the scheduler's thread: only note it and wake the loop."""
        if wake.reason == "probe_failed":
            log.warning("database not answering: %s", wake.error)
        # A plain sweep finds nothing the loop's own check of the next change time misses (and
        # re-deriving 200 visits twice a minute is most of an idle monitor's CPU); a clock jump,
        # a deadline, another seat's change or a database failure re-derive everything.
        if wake.reason != "sweep":
            self._look = True
        self._wake.set()

    def stop(self) -> None:
        self.stopped.set()
        self._wake.set()

    def run(self) -> None:
        """Until stop(): tick, then sleep until the next deadline, message or poll. A headless
        monitor holds the database's in-use lock meanwhile, so no restore or key rotation
        replaces the file under it (hvdesk.in_use)."""
        held = None
        if self.lease.kind == leases.MONITOR:
            held = in_use.hold(self.db.path, in_use.this_process("the hvdesk monitor"))
        if self.raise_alarms:
            self.scheduler = DeadlineScheduler(
                self.clock, self.on_wake, probe=self.tracker.change_token
            )
            self.scheduler.start()
        try:
            while not self.stopped.is_set():
                try:
                    self.tick()
                except Exception:  # a database hiccup must not end monitoring: log, go on
                    log.exception("monitor pass failed; trying again")
                self._trim_when_due()
                self._wake.wait(min(self.poll_s, self.texts.seconds_to_next()))
                self._wake.clear()
        finally:
            if held is not None:
                held.release()
            if self.scheduler is not None:
                self.scheduler.shutdown()
            if self.lease.held:
                try:
                    self.lease.release()
                except Exception:
                    log.exception("could not release the lease; it expires by itself")
            log.info("monitor stopped")
