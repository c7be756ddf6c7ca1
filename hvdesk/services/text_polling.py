"""Fetching texts from the SMS gateway by polling (a school network has no public web server).

The cursor (where the listing got to) is kept in the database and moved on only after every text
of a page is recorded. So:
- a restart between fetching and recording fetches the same texts again, and each is recorded once
  (unique gateway reference): nothing dropped, nothing repeated;
- two monitors polling one gateway both see a text; the first to record it wins, the other skips it;
- a cursor written by a slower poller that moves it backwards only causes a re-fetch, never a
  second record;
- each listing reaches 10 minutes back before the cursor (sms.INBOUND_OVERLAP), so a text the
  gateway lists late is still recorded; texts recorded before are skipped in one read.

A gateway that cannot be reached is a visible fault ("Texts in failing since 10:02: 401 from
gateway"), kept as channel health so every seat's status bar shows it, and cleared by the next good
poll. An idle poll costs one request and two small reads (one more while texts of the last 10
minutes are listed again, to skip them): nothing is written when nothing came.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from hvdesk.clock import Clock, fmt_time
from hvdesk.db import Database
from hvdesk.models import ChannelHealth, InboundCursor
from hvdesk.notify.channels import ChannelError, InboundPage
from hvdesk.services.base import Service
from hvdesk.services.texts_in import Handled, InboundTextService, ResponsibleContacts

log = logging.getLogger(__name__)
CURSOR = "sms"
HEALTH = "sms-in"  # channel_health row for polling (sending has its own)
DEFAULT_POLL_S = 10.0


class InboundSource(Protocol):
    """A gateway that lists the texts received after a cursor (TwilioSms.list_inbound)."""

    def list_inbound(self, cursor: str | None = None) -> InboundPage: ...


@dataclass
class PollResult:
    fetched: int = 0  # texts hvdesk had not recorded yet
    relisted: int = 0  # listed again in the overlap, recorded before: skipped at once
    handled: list[Handled] = field(default_factory=list)
    error: str = ""


@dataclass(frozen=True)
class PollHealth:
    failing_since: datetime | None
    last_error: str
    last_ok_at: datetime | None

    @property
    def text(self) -> str:
        """For the status bar: '' while polling works."""
        if self.failing_since is None:
            return ""
        return f"Texts in failing since {fmt_time(self.failing_since)}: {self.last_error}"


class TextPollingService(Service):
    def cursor(self) -> str:
        with self.db.read() as session:
            row = session.get(InboundCursor, CURSOR)
            return row.cursor if row is not None else ""

    def health(self) -> PollHealth:
        with self.db.read() as session:
            row = session.get(ChannelHealth, HEALTH)
            if row is None:
                return PollHealth(None, "", None)
            return PollHealth(row.failing_since, row.last_error, row.last_ok_at)

    def poll(self, source: InboundSource) -> PollResult:
        """Fetch what came since the cursor, record each text once, then move the cursor on."""
        cursor = self.cursor()
        try:
            page = source.list_inbound(cursor or None)
        except ChannelError as err:
            self._failed(str(err))
            log.warning("texts in: %s", err)
            return PollResult(error=str(err))
        texts = InboundTextService(self.db, self.clock)
        known = texts.known([m.reference for m in page.messages])
        fresh = [m for m in page.messages if m.reference not in known]
        result = PollResult(fetched=len(fresh), relisted=len(page.messages) - len(fresh))
        for message in fresh:
            handled = texts.process(message)
            if handled is not None:
                result.handled.append(handled)
                log.info("text %s: %s", handled.text_id, handled.outcome)
        self._advance(cursor, page.cursor)
        return result

    def _advance(self, before: str, after: str) -> None:
        try:
            self._write_cursor(before, after)
        except IntegrityError:  # another poller created the cursor row a moment ago
            self._write_cursor(before, after)

    def _write_cursor(self, before: str, after: str) -> None:
        now = self.clock.now()
        with self.db.transaction() as session:
            if after != before:
                row = session.get(InboundCursor, CURSOR)
                if row is None:
                    session.add(
                        InboundCursor(name=CURSOR, cursor=after, polled_at=now, updated_at=now)
                    )
                else:
                    row.cursor, row.polled_at, row.updated_at = after, now, now
            health = session.get(ChannelHealth, HEALTH)
            if health is not None and health.failing_since is not None:
                health.failing_since, health.last_error = None, ""
                health.last_ok_at = health.updated_at = now

    def _failed(self, error: str) -> None:
        try:
            self._write_failure(error)
        except IntegrityError:  # another poller recorded the same fault a moment ago
            self._write_failure(error)

    def _write_failure(self, error: str) -> None:
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.get(ChannelHealth, HEALTH)
            if row is None:
                row = ChannelHealth(channel=HEALTH, last_error="", updated_at=now)
                session.add(row)
            row.failing_since = row.failing_since or now
            row.last_error = error[:500]
            row.updated_at = now


class TextPoller:
    """Polls the gateway every `every_s` seconds from the monitor loop (the lease holder only).

    Channels come from the same builder the outbox sender uses (settings and this machine's
    secrets); only a gateway that can list received texts is polled.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        channels: Callable[[], tuple[Mapping[str, Any], Mapping[str, str]]],
        *,
        every_s: float = DEFAULT_POLL_S,
    ) -> None:
        self.service = TextPollingService(db, clock)
        self.clock = clock
        self.channels = channels
        self.every_s = every_s
        self._last: float | None = None

    def due(self) -> bool:
        return self._last is None or self.clock.monotonic() - self._last >= self.every_s

    def seconds_to_next(self) -> float:
        """How long the loop may sleep before the next poll is due."""
        if self._last is None:  # not polling yet (no lease): the loop's own wait decides
            return self.every_s
        return max(0.0, self.every_s - (self.clock.monotonic() - self._last))

    def tick(self) -> PollResult | None:
        """Poll if the interval has passed; None when not due or no gateway can list texts."""
        if not self.due():
            return None
        self._last = self.clock.monotonic()
        ResponsibleContacts(self.service.db, self.clock).ask(self.clock.now())
        senders, _problems = self.channels()
        try:
            source = senders.get("sms")
            if source is None or not _lists_inbound(source):
                return None
            return self.service.poll(source)
        finally:
            for sender in senders.values():
                close = getattr(sender, "close", None)
                if close is not None:
                    close()


def _lists_inbound(source: object) -> bool:
    """The Twilio-shaped gateway lists received texts; the generic one cannot."""
    from hvdesk.notify.sms import TwilioSms

    return isinstance(source, TwilioSms)
