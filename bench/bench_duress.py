"""The safe word by text, paired: on the one visit out (A) vs about a person with no visit out (B).

    .venv/bin/python bench/bench_duress.py [--rounds 30] [--quick]

One SQLite file, a fake clock, the same service call the monitor makes for each text
(InboundTextService.process). Rounds alternate A and B so machine load falls on both alike; each
alarm is resolved between rounds (not timed) so every text raises a new one. Prints the median time
per text and the SQL statements per text for each, and the ratio B/A.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench.figures import report
from hvdesk.clock import FakeClock
from hvdesk.db import Database
from hvdesk.models import Household, Role, Visit
from hvdesk.notify.channels import Inbound
from hvdesk.services.alarms import AlarmService
from hvdesk.services.lone_working import LoneWorkingInput, LoneWorkingService
from hvdesk.services.staff import StaffInput, StaffService
from hvdesk.services.texts_in import InboundTextService
from hvdesk.services.tracker import TrackerService
from tests.conftest import _user

NUMBER = "+447700900000"


def _school(db: Database, clock: FakeClock) -> tuple[str, str]:
    """Ann out on a visit, Ben back from his: both with a safe word. Returns their mobiles."""
    office = _user(db, "office", "Sam Office", Role.OFFICE)
    staff, lone = StaffService(db, clock), LoneWorkingService(db, clock)
    people = []
    for name, mobile, word in (
        ("Ann Out", "07700 900111", "bluebell"),
        ("Ben Back", "07700 900222", "marigold"),
    ):
        sid = staff.create(office, StaffInput(name=name, mobile=mobile)).id
        form = LoneWorkingInput(mobile, word, word, clock.now().date(), True, "4821", "4821")
        lone.record(office, sid, form)
        people.append(sid)
    with db.transaction() as s:
        home = Household(
            name="Clarke family", address="1 Hill St", postcode="B17 0AB", created_at=clock.now()
        )
        s.add(home)
        s.flush()
        visits = []
        for sid in people:
            v = Visit(
                household_id=home.id,
                purpose="attendance",
                planned_departure=clock.now(),
                start=clock.now() + timedelta(minutes=15),
                end=clock.now() + timedelta(hours=1),
                expected_return=clock.now() + timedelta(hours=2),
                lead_staff_id=sid,
                status="approved",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            s.add(v)
            s.flush()
            visits.append(v.id)
    tracker = TrackerService(db, clock)
    for vid in visits:
        tracker.depart(office, vid)
    clock.advance(timedelta(minutes=30))
    tracker.returned(office, visits[1])  # Ben is back: no visit out
    return "+447700900111", "+447700900222"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="1 round: bench/run.py's smoke run")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    logging.disable(logging.WARNING)  # 'nobody told' faults: this school has no contacts
    folder = Path(tempfile.mkdtemp(prefix="hvdesk-duress-"))
    clock = FakeClock(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    db = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
    office = _user(db, "office2", "Sam Office", Role.OFFICE)
    ann, ben = _school(db, clock)
    texts, alarms = InboundTextService(db, clock), AlarmService(db, clock)
    counted = [0]
    event.listen(
        db.engine, "before_cursor_execute", lambda *_a: counted.__setitem__(0, counted[0] + 1)
    )
    times: dict[str, list[float]] = {"A on the visit": [], "B about the person": []}
    sql: dict[str, list[int]] = {k: [] for k in times}
    for i in range(args.rounds):
        for label, sender, word in (
            ("A on the visit", ann, "bluebell"),
            ("B about the person", ben, "marigold"),
        ):
            clock.advance(timedelta(seconds=30))
            before, start = counted[0], time.perf_counter()
            handled = texts.process(Inbound(f"SM{label[0]}{i}", sender, NUMBER, word, clock.now()))
            times[label].append(time.perf_counter() - start)
            sql[label].append(counted[0] - before)
            assert handled is not None and handled.alarm_id is not None
            alarms.acknowledge(office, handled.alarm_id)
            alarms.resolve(office, handled.alarm_id, "false_alarm", "bench round")
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for label in times:
        print(
            f"{label}: median {medians[label]:.1f} ms per text, "
            f"{statistics.median(sql[label]):.0f} SQL statements ({args.rounds} texts)"
        )
    ratio = medians["B about the person"] / medians["A on the visit"]
    print(f"ratio B/A (median time): {ratio:.2f}")
    for label, samples in times.items():
        report(f"duress by text, {label}", [t * 1000 for t in samples], "ms")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
