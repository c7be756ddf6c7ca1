"""Delivers the outbox after commit: one claim, one attempt, one recorded result per message.

How a message is sent exactly once:
- a row is claimed with a compare-and-set (queued -> sending, attempts + 1, who claimed it), in its
  own committed transaction, before the gateway is called; a second sender finds nothing to claim;
- the gateway's answer (its reference) and 'sent' are committed together right after;
- a sender that dies between the claim and that commit leaves the row 'sending'. After STALE_S it
  is recovered: a channel that can look up what it sent (the SMS gateway) is asked first, and the
  row marked sent with the reference found; otherwise it is retried with the same idempotency key
  (the gateway's Idempotency-Key), so a duplicate can be recognised. An email cannot be looked up:
  its claim is marked 'sent — unconfirmed' once older than the SMTP timeout, never sent twice;
- a failed attempt goes back to 'queued' with exponential backoff (30 s doubling to 5 min), so a
  gateway that is down for an hour gets every message once it is back; a message that cannot be
  sent (the recipient refused) or is older than GIVE_UP is 'failed';
- every send and every final failure is an audit Event; each channel's health (failing since when,
  and why) is in the database, so every window shows the fault, and the log says it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hvdesk.clock import Clock, fmt_time
from hvdesk.db import Database
from hvdesk.events import EventKind
from hvdesk.models import ChannelHealth, Event, OutboxMessage, OutboxStatus
from hvdesk.notify.channels import Accepted, ChannelError, Outgoing, Sender
from hvdesk.notify.reach import REACH
from hvdesk.rules import escalation_messages as em

log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 30.0
BACKOFF_MAX_S = 300.0
STALE_S = 120.0
GIVE_UP = timedelta(hours=24)
DELIVERY_WINDOW = timedelta(hours=1)  # how long after sending a text its delivery is asked about
CHANNEL_NAMES = {"sms": "SMS", "email": "Email", "sms-in": "Texts in"}
EMAIL = "email"
EMAIL_TIMEOUT_S = 15.0  # hvdesk.notify.email's default, when the email channel is not built now
UNCONFIRMED = (
    "sent \N{EM DASH} unconfirmed: the sender stopped mid-attempt and an SMTP server cannot be "
    "asked whether it took the email; not sent again (it could arrive twice), ask the recipient"
)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 60 s, 120 s, 240 s, 300 s..."""
    seconds = BACKOFF_FIRST_S * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_S))


def fault_text(channel: str, failing_since: datetime, error: str) -> str:
    if channel == REACH:  # an alarm no channel could carry: the text says it whole
        return error
    return f"{CHANNEL_NAMES.get(channel, channel)} failing since {fmt_time(failing_since)}: {error}"


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)


def faults(db: Database) -> list[str]:
    """Every channel failing now, in words ('SMS failing since 10:02: 401 from gateway')."""
    with db.read() as session:
        rows = session.scalars(
            select(ChannelHealth).where(ChannelHealth.failing_since.is_not(None))
        )
        return [fault_text(r.channel, r.failing_since, r.last_error) for r in rows]  # type: ignore[arg-type]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        channels: Callable[[], tuple[Mapping[str, Sender], Mapping[str, str]]],
        *,
        holder: str = "",
    ) -> None:
        self.db, self.clock = db, clock
        self.channels = channels  # built fresh per pass: settings and secrets may change
        self.holder = holder or "sender"
        # Claims older than this, by anyone else, belong to a sender that has since lost the lease
        # (it died): they are recovered at once instead of after STALE_S.
        self.recover_before: datetime | None = None
        # Asked between messages: renews the lease during a long pass, and stops sending at once
        # if another monitor has taken it over.
        self.still_mine: Callable[[], bool] | None = None

    def pending(self, now: datetime, limit: int = 100) -> list[int]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.status == OutboxStatus.QUEUED.value,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(limit)
                )
            )

    def next_attempt_at(self) -> datetime | None:
        with self.db.read() as session:
            return session.scalar(
                select(OutboxMessage.next_attempt_at)
                .where(OutboxMessage.status == OutboxStatus.QUEUED.value)
                .order_by(OutboxMessage.next_attempt_at)
                .limit(1)
            )

    def run_once(self, now: datetime | None = None) -> SendReport:
        """Send everything due now (and recover stale claims). Safe to call from any number of
        processes at once: each message is claimed by exactly one."""
        now = now or self.clock.now()
        report = SendReport()
        stale = self._stale(now)
        ids = self.pending(now)
        if not stale and not ids:
            return report  # idle: no channel is built (an HTTPS client costs CPU), no more queries
        senders, problems = self.channels()
        try:
            self._recover(stale, senders, report, now)
            ids = self.pending(now)
            for channel, problem in problems.items():
                self._health(channel, now, problem)
            for message_id in ids:
                if self.still_mine is not None and not self.still_mine():
                    log.warning("lost the monitoring lease mid-pass; the new holder sends the rest")
                    break
                self._one(message_id, senders, problems, report)
        finally:
            for sender in senders.values():
                close = getattr(sender, "close", None)
                if close is not None:
                    close()
        return report

    # --- delivery reports ------------------------------------------------------------------
    def check_delivery(self, now: datetime | None = None, limit: int = 20) -> int:
        """Ask the gateway about texts sent in the last hour and not yet known delivered.

        Returns how many changed. Channels that cannot say (email, the generic gateway) are left
        as 'sent'."""
        now = now or self.clock.now()
        with self.db.read() as session:
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == OutboxStatus.SENT.value,
                        OutboxMessage.channel == "sms",
                        OutboxMessage.sent_at >= now - DELIVERY_WINDOW,
                        OutboxMessage.provider_ref != "",
                    )
                    .order_by(OutboxMessage.sent_at)
                    .limit(limit)
                )
            )
        if not rows:
            return 0
        senders, _problems = self.channels()
        lookup = getattr(senders.get("sms"), "status", None)
        changed = 0
        try:
            for row in rows:
                if lookup is None:
                    break
                try:
                    state = lookup(row.provider_ref)
                except ChannelError as err:
                    # One reference the gateway does not know must not hold up the others' reports.
                    # The gateway took this text, so its URL and account are right: the error's
                    # own advice ('check the SMS gateway URL and account') would mislead here.
                    log.info(
                        "no delivery report for message %s (%s): %s. The text was sent; only "
                        "whether it reached the phone is unknown (the gateway may not keep "
                        "reports); it stays 'sent' and is asked about for an hour after sending",
                        row.id,
                        row.provider_ref,
                        str(err).split(" (", 1)[0],
                    )
                    continue
                if state in ("delivered", "failed"):
                    changed += self._delivery(row.id, state, now)
        finally:
            for sender in senders.values():
                close = getattr(sender, "close", None)
                if close is not None:
                    close()
        return changed

    def _delivery(self, message_id: int, state: str, now: datetime) -> int:
        with self.db.transaction() as session:
            msg = session.get(OutboxMessage, message_id)
            if msg is None or msg.status != OutboxStatus.SENT.value:
                return 0
            msg.updated_at = now
            if state == "delivered":
                msg.status, msg.delivered_at = OutboxStatus.DELIVERED.value, now
            else:
                msg.status, msg.failed_at = OutboxStatus.FAILED.value, now
                msg.last_error = "the gateway could not deliver it to the phone"
                self._audit(
                    session, msg, EventKind.MESSAGE_FAILED, f"{_what(msg)} not delivered", now
                )
        return 1

    # --- one message -----------------------------------------------------------------------
    def _claim(self, message_id: int, now: datetime) -> OutboxMessage | None:
        with self.db.transaction() as session:
            claimed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.status == OutboxStatus.QUEUED.value,
                )
                .values(
                    status=OutboxStatus.SENDING.value,
                    attempts=OutboxMessage.attempts + 1,
                    claimed_by=self.holder,
                    sending_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if not claimed:
                return None
            return session.get(OutboxMessage, message_id)

    def _one(
        self,
        message_id: int,
        senders: Mapping[str, Sender],
        problems: Mapping[str, str],
        report: SendReport,
    ) -> None:
        now = self.clock.now()
        row = self._claim(message_id, now)
        if row is None:
            return  # another sender has it
        sender = senders.get(row.channel)
        if sender is None:
            why = problems.get(row.channel, f"{row.channel} is not set up in settings")
            self._failed_attempt(row, ChannelError(why), report)
            return
        outgoing = Outgoing(
            row.recipient, row.body, row.idempotency_key, row.subject, row.recipient_name
        )
        try:
            accepted = sender.send(outgoing)
        except ChannelError as err:
            self._failed_attempt(row, err, report)
            return
        self._accepted(row, accepted, report)

    def _accepted(self, row: OutboxMessage, accepted: Accepted, report: SendReport) -> None:
        now = self.clock.now()
        with self.db.transaction() as session:
            msg = session.get(OutboxMessage, row.id)
            assert msg is not None
            msg.status = (
                OutboxStatus.DELIVERED.value
                if accepted.status == "delivered"
                else OutboxStatus.SENT.value
            )
            msg.provider_ref = accepted.reference[:120]
            msg.sent_at = now
            if accepted.status == "delivered":
                msg.delivered_at = now
            msg.last_error = ""
            msg.updated_at = now
            self._audit(session, msg, EventKind.MESSAGE_SENT, f"{_what(msg)} sent", now)
        self._health(row.channel, now, None)
        log.info(
            "sent %s %s to %s (%s)",
            row.channel,
            row.kind,
            row.recipient_name or row.recipient,
            accepted.reference,
        )
        report.sent.append(row.id)

    def _failed_attempt(self, row: OutboxMessage, err: ChannelError, report: SendReport) -> None:
        now = self.clock.now()
        # A test message is answered at once ('not sent: why'); retrying it for a day would
        # deliver it long after the person was told it failed.
        give_up = err.permanent or row.kind == em.TEST or now - row.queued_at >= GIVE_UP
        with self.db.transaction() as session:
            msg = session.get(OutboxMessage, row.id)
            assert msg is not None
            msg.last_error = str(err)[:500]
            msg.updated_at = now
            if give_up:
                msg.status = OutboxStatus.FAILED.value
                msg.failed_at = now
                self._audit(
                    session, msg, EventKind.MESSAGE_FAILED, f"{_what(msg)} failed: {err}", now
                )
            else:
                msg.status = OutboxStatus.QUEUED.value
                msg.next_attempt_at = now + backoff(msg.attempts)
        self._health(row.channel, now, str(err))
        (report.failed if give_up else report.retrying).append(row.id)

    # --- claims left by a sender that died ----------------------------------------------------
    def _stale(self, now: datetime) -> list[OutboxMessage]:
        """Claims left 'sending' by a sender that stopped (or lost the lease) mid-attempt."""
        stale = now - timedelta(seconds=STALE_S)
        old = [OutboxMessage.sending_at.is_(None), OutboxMessage.sending_at <= stale]
        if self.recover_before is not None:
            old.append(
                and_(
                    OutboxMessage.sending_at < self.recover_before,
                    OutboxMessage.claimed_by != self.holder,
                )
            )
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.status == OutboxStatus.SENDING.value, or_(*old)
                    )
                )
            )

    def _recover(
        self,
        rows: list[OutboxMessage],
        senders: Mapping[str, Sender],
        report: SendReport,
        now: datetime,
    ) -> None:
        for row in rows:
            if row.channel == EMAIL:
                self._unconfirmed(row, senders.get(row.channel), report, now)
                continue
            found = None
            lookup = getattr(senders.get(row.channel), "find_sent", None)
            if lookup is not None and row.sending_at is not None:
                try:
                    found = lookup(row.recipient, row.body, row.sending_at)
                except ChannelError as err:
                    log.warning("cannot check whether message %s was sent: %s", row.id, err)
                    continue  # look again next pass rather than risk sending twice
            with self.db.transaction() as session:
                requeued = session.execute(
                    update(OutboxMessage)
                    .where(
                        and_(
                            OutboxMessage.id == row.id,
                            OutboxMessage.status == OutboxStatus.SENDING.value,
                            OutboxMessage.attempts == row.attempts,
                        )
                    )
                    .values(
                        status=OutboxStatus.SENT.value if found else OutboxStatus.QUEUED.value,
                        provider_ref=found.reference if found else "",
                        sent_at=now if found else None,
                        next_attempt_at=now,
                        updated_at=now,
                        last_error="" if found else "the sender stopped during an attempt",
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if requeued and found:
                    msg = session.get(OutboxMessage, row.id)
                    assert msg is not None
                    self._audit(
                        session,
                        msg,
                        EventKind.MESSAGE_SENT,
                        f"{_what(msg)} sent (found at the gateway after a restart)",
                        now,
                    )
            if requeued:
                report.recovered.append(row.id)

    def _unconfirmed(
        self, row: OutboxMessage, sender: Sender | None, report: SendReport, now: datetime
    ) -> None:
        """An email claim left by a sender that stopped: 'sent — unconfirmed', never re-sent.

        An SMTP server cannot be asked what it accepted, and a sender that dies right after the
        server said 250 would otherwise send the alarm twice; so once the claim is older than the
        SMTP timeout (the attempt cannot still be running) it is marked sent, and the outbox says
        it is unconfirmed. The email limit (docs/monitor.md): one that died before reaching the
        server is not sent again; the texts of the same alarm are recovered at the gateway."""
        timeout = timedelta(seconds=float(getattr(sender, "timeout_s", EMAIL_TIMEOUT_S)))
        if row.sending_at is not None and now - row.sending_at < timeout:
            return  # the attempt may still be talking to the server: look again next pass
        with self.db.transaction() as session:
            marked = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status == OutboxStatus.SENDING.value,
                    OutboxMessage.attempts == row.attempts,
                )
                .values(
                    status=OutboxStatus.SENT.value,
                    sent_at=now,
                    updated_at=now,
                    last_error=UNCONFIRMED,
                )
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if marked:
                msg = session.get(OutboxMessage, row.id)
                assert msg is not None
                note = f"{_what(msg)} sent \N{EM DASH} unconfirmed (the sender stopped mid-attempt)"
                self._audit(session, msg, EventKind.MESSAGE_SENT, note, now)
        if marked:
            log.warning("email message %s: %s", row.id, UNCONFIRMED)
            report.recovered.append(row.id)

    # --- health and audit -------------------------------------------------------------------
    def _health(self, channel: str, now: datetime, error: str | None) -> None:
        for _ in range(2):  # two senders may create the row at the same moment: the loser updates
            try:
                self._write_health(channel, now, error)
                return
            except IntegrityError:
                continue

    def _write_health(self, channel: str, now: datetime, error: str | None) -> None:
        with self.db.transaction() as session:
            row = session.get(ChannelHealth, channel)
            if row is None:
                row = ChannelHealth(channel=channel, last_error="", updated_at=now)
                session.add(row)
            if error is None:
                if row.failing_since is not None:
                    log.warning("%s working again", CHANNEL_NAMES.get(channel, channel))
                row.failing_since = None
                row.last_error = ""
                row.last_ok_at = now
            else:
                news = row.failing_since is None or row.last_error != error[:500]
                if row.failing_since is None:
                    row.failing_since = now
                row.last_error = error[:500]
                if news:  # the log says it once per change, not once per retry
                    log.warning("%s", fault_text(channel, row.failing_since, error))
            row.updated_at = now

    def _audit(
        self, session: Session, msg: OutboxMessage, kind: str, note: str, now: datetime
    ) -> None:
        session.add(
            Event(
                at=now,
                kind=kind,
                user_name="hvdesk",
                visit_id=msg.visit_id,
                alarm_id=msg.alarm_id,
                note=note,
                data={
                    "outbox_id": msg.id,
                    "channel": msg.channel,
                    "to": msg.recipient,
                    "kind": msg.kind,
                    "attempts": msg.attempts,
                    "reference": msg.provider_ref,
                    "error": msg.last_error,
                },
            )
        )


def _what(msg: OutboxMessage) -> str:
    channel = CHANNEL_NAMES.get(msg.channel, msg.channel)
    who = msg.recipient_name or msg.recipient
    return f"{channel} '{msg.kind}' to {who}"
