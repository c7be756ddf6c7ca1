"""Two monitors on one PostgreSQL database: one holds the lease and sends, each message exactly
once; when it dies the other takes over within the lease and sends what follows, once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.models import OutboxMessage
from hvdesk.notify import lease as leases
from hvdesk.notify import outbox
from hvdesk.notify.monitor import Monitor
from hvdesk.notify.sms import TwilioSms
from tests.notifykit import ACCOUNT, MESSAGES_PATH, SCHOOL_NUMBER, Gateway, configure

pytestmark = pytest.mark.slow


def queue(db: Database, clock: SystemClock, start: int, n: int) -> None:
    with db.transaction() as session:
        for i in range(start, start + n):
            outbox.enqueue(
                session,
                channel="sms",
                recipient="+447700900789",
                subject="",
                body=f"m{i}",
                kind="test",
                key=f"m{i}:sms",
                now=clock.now(),
            )


def wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def sent_count(db: Database) -> int:
    with db.read() as s:
        return len(s.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).all())


def test_two_monitors_send_each_message_exactly_once_and_take_over(pg_url, httpserver):
    gateway = Gateway()
    httpserver.expect_request(MESSAGES_PATH, method="POST").respond_with_handler(gateway.handler)
    clock = SystemClock()
    setup = Database(pg_url)
    configure(setup, clock, smtp_port=None, gateway_url=httpserver.url_for("/"))

    def channels():
        return {"sms": TwilioSms(httpserver.url_for("/"), ACCOUNT, "t", SCHOOL_NUMBER)}, {}

    seats = [Database(pg_url), Database(pg_url)]
    monitors = [
        Monitor(
            db,
            clock,
            channels=channels,
            poll_s=0.05,
            beat_s=0.3,
            lease=leases.Lease(db, clock, lease_s=3.0, host=f"server-{i}"),
        )
        for i, db in enumerate(seats)
    ]
    threads = [threading.Thread(target=m.run, daemon=True) for m in monitors]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: any(m.lease.held for m in monitors))
        queue(setup, clock, 0, 40)
        wait_until(lambda: sent_count(setup) == 40)
        holding = leases.status(setup).holder
        holder = next(m for m in monitors if m.lease.holder == holding)
        other = next(m for m in monitors if m is not holder)
        # The holder dies without a word (no release): it just stops beating.
        holder.lease.release = lambda: None
        holder.stop()
        threads[monitors.index(holder)].join(10)
        died = time.monotonic()
        wait_until(lambda: other.lease.held, timeout=60)
        assert time.monotonic() - died < 60  # taken over within a minute (here, the lease)
        queue(setup, clock, 40, 20)
        wait_until(lambda: sent_count(setup) == 60)
        assert leases.status(setup).host == other.lease.host
    finally:
        for m in monitors:
            m.stop()
        for t in threads:
            t.join(10)
        for db in (*seats, setup):
            db.dispose()
    bodies = [m["Body"] for m in gateway.sent]
    assert sorted(bodies) == sorted(f"m{i}" for i in range(60))  # each once, none twice
    assert len(set(gateway.keys)) == 60
