"""How long a print takes, end to end (load, lay out, write the PDF bytes, audit).

    .venv/bin/python bench/bench_printing.py [--runs 20] [--quick]

Targets: Lone Working form under 150 ms, a 60-visit day sheet under 500 ms (median, warm: the fonts
are registered once per process; the first print's cost is shown separately). Figures are reported,
not judged by the exit code (a slow machine is not a broken benchmark); --quick makes 1 run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.figures import report
from hvdesk.clock import FakeClock, from_london
from hvdesk.db import Database
from hvdesk.demo import load_demo
from hvdesk.models import Household, Role, Staff, Visit
from hvdesk.services.base import Actor
from hvdesk.services.printing import PrintService

BUSY_DAY = date(2026, 12, 1)


def add_busy_day(db: Database, clock: FakeClock, count: int = 60) -> None:
    with db.transaction() as s:
        households = list(s.scalars(select(Household).order_by(Household.id)))
        staff = list(s.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)))
        for i in range(count):
            start = from_london(datetime(2026, 12, 1, 7, 0)) + timedelta(minutes=12 * i)
            s.add(
                Visit(
                    household_id=households[i % len(households)].id,
                    purpose="attendance",
                    planned_departure=start - timedelta(minutes=15),
                    start=start,
                    end=start + timedelta(minutes=11),
                    expected_return=start + timedelta(minutes=26),
                    lead_staff_id=staff[i % len(staff)].id,
                    companion_staff_id=staff[(i + 1) % len(staff)].id,
                    status="approved",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )


def timed(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    first = time.perf_counter()
    fn()
    cold = (time.perf_counter() - first) * 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return cold, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 1 run")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        load_demo(db, clock)
        add_busy_day(db, clock)
        with db.read() as s:
            zoe = s.scalar(select(Staff.id).where(Staff.name.like("Zo%")))
        service = PrintService(db, clock)
        actor = Actor(None, "Benchmark", Role.OFFICE.value)
        cases = [
            (
                "Lone Working form",
                150.0,
                lambda: service.make(actor, "lone-working", staff_id=zoe),
            ),
            (
                "60-visit day sheet",
                500.0,
                lambda: service.make(actor, "day-sheet", day=BUSY_DAY),
            ),
        ]
        for name, target, fn in cases:
            cold, times = timed(fn, args.runs)
            median = statistics.median(times)
            ok = median < target
            print(
                f"{name:<20} median {median:6.1f} ms  (min {min(times):.1f}, max {max(times):.1f}, "
                f"first {cold:.1f}; {args.runs} runs)  target < {target:.0f} ms  "
                f"{'OK' if ok else 'SLOW'}"
            )
            report(f"printing: {name}", times, "ms", target)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
