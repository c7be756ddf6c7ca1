"""Texts in from the field, on the real clock: a headless monitor polls a local gateway stand-in.

    .venv/bin/python bench/bench_texts.py [--quick] [--texts 12] [--poll 10] [--idle 120]

Measures, over the demo school (SQLite file, real Monitor loop in a thread, real HTTP on 127.0.0.1):
- text accepted by the gateway -> its event committed in the visit's timeline (what every seat's
  change probe then picks up): target median < poll interval + 1 s;
- the reply leaving for the gateway (same pass of the monitor);
- an idle monitor's polling cost: gateway requests and SQL statements per minute (the whole monitor
  loop, and the text poll on its own), and the process CPU over wall time.
Figures are printed (medians), not asserted. --quick: 1 text, a 1 s poll, 1 s idle.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_httpserver import HTTPServer
from sqlalchemy import event, func, select

from bench.figures import report
from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.demo import load_demo
from hvdesk.events import EventKind
from hvdesk.models import Event, OutboxMessage, Role, UserAccount
from hvdesk.notify.monitor import Monitor
from hvdesk.services.base import Actor
from hvdesk.services.lone_working import LoneWorkingService
from hvdesk.services.text_polling import TextPoller
from hvdesk.services.tracker import TrackerService
from tests.gateway_standin import TOKEN, GatewayStandIn


class StatementCounter:
    def __init__(self, db: Database) -> None:
        self.count = 0
        self.lock = threading.Lock()
        event.listen(db.engine, "before_cursor_execute", self._one)

    def _one(self, *_args: object) -> None:
        with self.lock:
            self.count += 1


def checked_in(db: Database, visit_id: int) -> int:
    with db.read() as s:
        return int(
            s.scalar(
                select(func.count(Event.id)).where(
                    Event.visit_id == visit_id, Event.kind == EventKind.CHECKED_IN.value
                )
            )
            or 0
        )


def replies(db: Database) -> int:
    with db.read() as s:
        return int(
            s.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.kind == "text_reply", OutboxMessage.status == "sent"
                )
            )
            or 0
        )


def setup(folder: Path, server: HTTPServer) -> tuple[Database, GatewayStandIn, int, str]:
    clock = SystemClock()
    db = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
    load_demo(db, clock)
    with db.read() as s:
        office = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
        actor = Actor(office.id, office.display_name, Role.OFFICE.value)
    row = TrackerService(db, clock).board().rows[0]
    staff = row.visit.lead_staff
    LoneWorkingService(db, clock).set_pin(actor, staff.id, "4821", "4821")
    gateway = GatewayStandIn(server)
    gateway.configure(db, clock.now())
    return db, gateway, row.visit.id, staff.mobile


def wait_for(check, timeout: float) -> float | None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic()
        time.sleep(0.02)
    return None


def measure_latency(
    db: Database, gateway: GatewayStandIn, visit_id: int, mobile: str, texts: int, poll_s: float
) -> tuple[list[float], list[float]]:
    clock = SystemClock()
    to_event, to_reply = [], []
    for _ in range(texts):
        time.sleep(random.uniform(0, poll_s))  # texts arrive anywhere in the poll cycle
        before, sent_before = checked_in(db, visit_id), replies(db)
        accepted = time.monotonic()
        gateway.text("OK 4821", clock.now(), sender=mobile)
        seen = wait_for(lambda b=before: checked_in(db, visit_id) > b, poll_s * 3 + 10)
        answered = wait_for(lambda b=sent_before: replies(db) > b, 10)
        if seen is not None:
            to_event.append(seen - accepted)
        if answered is not None:
            to_reply.append(answered - accepted)
    return to_event, to_reply


def measure_idle(
    db: Database, gateway: GatewayStandIn, counter: StatementCounter, seconds: float
) -> tuple[float, float, float]:
    requests, statements = gateway.requests, counter.count
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(seconds)
    minutes = (time.monotonic() - wall) / 60
    return (
        (gateway.requests - requests) / minutes,
        (counter.count - statements) / minutes,
        100 * (time.process_time() - cpu) / (minutes * 60),
    )


def poll_alone(
    db: Database, gateway: GatewayStandIn, counter: StatementCounter
) -> tuple[float, float, float]:
    """One idle text poll on its own (nothing new at the gateway): requests, SQL, CPU seconds."""
    clock = SystemClock()
    poller = TextPoller(db, clock, lambda: ({"sms": gateway.adapter()}, {}), every_s=0)
    poller.tick()  # warm
    requests, before, cpu = gateway.requests, counter.count, time.process_time()
    rounds = 10
    for _ in range(rounds):
        poller.tick()
    return (
        (gateway.requests - requests) / rounds,
        (counter.count - before) / rounds,
        (time.process_time() - cpu) / rounds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 text, 1 s poll, 1 s idle")
    parser.add_argument("--texts", type=int, default=12)
    parser.add_argument("--poll", type=float, default=10.0, help="text poll interval (s)")
    parser.add_argument("--idle", type=float, default=120.0, help="idle seconds measured")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.quick:
        args.texts, args.poll, args.idle = 1, 1.0, 1.0
    os.environ.setdefault("HVDESK_SMS_TOKEN", TOKEN)
    folder = Path(tempfile.mkdtemp(prefix="hvdesk-bench-texts-"))
    os.environ.setdefault("HVDESK_SECRETS_FILE", str(folder / "secrets.json"))
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        db, gateway, visit_id, mobile = setup(folder, server)
        counter = StatementCounter(db)
        monitor = Monitor(db, SystemClock(), texts_poll_s=args.poll)
        thread = threading.Thread(target=monitor.run, daemon=True)
        thread.start()
        wait_for(lambda: monitor.lease.held, 30)
        time.sleep(1)
        to_event, to_reply = measure_latency(db, gateway, visit_id, mobile, args.texts, args.poll)
        per_min, sql_per_min, cpu = measure_idle(db, gateway, counter, args.idle)
        monitor.stop()
        thread.join(10)
        poll_requests, poll_sql, poll_cpu = poll_alone(db, gateway, counter)
    finally:
        server.stop()
    print(f"texts: {len(to_event)}/{args.texts} recorded; poll interval {args.poll:.0f} s")
    if to_event:
        print(
            f"gateway accepted -> event in the timeline: median {statistics.median(to_event):.2f} s, "
            f"max {max(to_event):.2f} s (target median < {args.poll + 1:.0f} s)"
        )
    if to_reply:
        print(
            f"gateway accepted -> reply sent to the gateway: median {statistics.median(to_reply):.2f} s"
        )
    print(
        f"idle monitor ({args.idle:.0f} s): {per_min:.1f} gateway requests/min, "
        f"{sql_per_min:.0f} SQL statements/min (whole monitor loop), CPU {cpu:.2f}% of a core"
    )
    print(
        f"one idle text poll on its own: {poll_requests:.0f} gateway request, {poll_sql:.0f} SQL "
        f"statements, {poll_cpu * 1000:.0f} ms CPU (building the HTTPS client included); every "
        f"{args.poll:.0f} s that is {60 / args.poll * poll_sql:.0f} statements/min and "
        f"{100 * poll_cpu / args.poll:.2f}% of a core"
    )
    poll = f"poll {args.poll:g} s"
    report(f"texts: texts not recorded ({poll})", [args.texts - len(to_event)], "texts")
    if to_event:
        report(f"texts: gateway -> event in the timeline ({poll})", to_event, "s", args.poll + 1)
    if to_reply:
        report(f"texts: gateway -> reply sent ({poll})", to_reply, "s")
    idle = f"{poll}, {args.idle:g} s idle"
    report(f"texts: idle monitor gateway requests/min ({idle})", [per_min], "/min")
    report(f"texts: idle monitor SQL statements/min ({idle})", [sql_per_min], "/min")
    report(f"texts: idle monitor CPU ({idle})", [cpu], "% core")
    report("texts: one idle text poll, gateway requests", [poll_requests], "requests")
    report("texts: one idle text poll, SQL statements", [poll_sql], "statements")
    report("texts: one idle text poll, CPU", [poll_cpu * 1000], "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
