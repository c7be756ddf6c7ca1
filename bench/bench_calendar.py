"""Benchmark: switching calendar months and weeks over 50,000 visits (10 years). Target < 50 ms.

    .venv/bin/python bench/bench_calendar.py [--visits 50000] [--years 10] [--switches 60] [--quick]

Builds a temporary SQLite school (25 staff, 400 households, ~19 visits every school day), then times
each switch the way the Calendar screen does it: the visible-range query plus building the view
model ('core'), and the whole screen switch including painting it offscreen ('screen').
Prints medians (and p90/max) in milliseconds. --quick (the smoke test): 300 visits, 3 switches.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench.figures import report
from hvdesk.clock import FakeClock, from_london, london
from hvdesk.db import Database
from hvdesk.models import Household, Purpose, Staff, Visit, VisitStatus
from hvdesk.policy import PolicySettings
from hvdesk.services.visits import VisitQueries
from ui.calendar.model import Mode, StaffRef, build_view, visible_range

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SLOTS = [(8, 45), (9, 30), (10, 15), (11, 0), (11, 45), (13, 15), (14, 0), (14, 45), (15, 15)]


def build_school(db: Database, visits: int, years: int, seed: int = 4) -> int:
    """Bulk-insert a decade of visits (core inserts: seconds, not minutes)."""
    rng = random.Random(seed)
    with db.transaction() as s:
        staff_ids = []
        for i in range(25):
            person = Staff(
                name=f"Staff Member {i:02d}",
                mobile="+447700900123",
                dbs_type="Enhanced with barred list",
                dbs_date=date(2025, 1, 1),
                active=True,
                created_at=NOW,
            )
            s.add(person)
            s.flush()
            staff_ids.append(person.id)
        household_ids = []
        for i in range(400):
            h = Household(
                name=f"Family {i:03d}",
                address=f"{i} Long Road\nHarborne",
                postcode="B17 0AB",
                active=True,
                created_at=NOW,
            )
            s.add(h)
            s.flush()
            household_ids.append(h.id)
    first_day = london(NOW).date() - timedelta(days=365 * (years - 1))
    days = [
        first_day + timedelta(days=i)
        for i in range(365 * years)
        if (first_day + timedelta(days=i)).weekday() < 5
    ]
    # spread exactly `visits` over the school days (about 19 a day for 50,000 in 10 years)
    counts = [visits // len(days)] * len(days)
    for i in rng.sample(range(len(days)), visits % len(days)):
        counts[i] += 1
    purposes = [p.value for p in Purpose if p is not Purpose.OTHER]
    rows = []
    for day, count in zip(days, counts, strict=True):
        for n in range(count):
            hh, mm = SLOTS[n % len(SLOTS)]
            start = from_london(datetime(day.year, day.month, day.day, hh, mm))
            lead, companion = rng.sample(staff_ids, 2)
            past = start < NOW
            status = (
                rng.choice([VisitStatus.COMPLETED] * 8 + [VisitStatus.CANCELLED])
                if past
                else rng.choice([VisitStatus.APPROVED, VisitStatus.AWAITING_APPROVAL])
            )
            rows.append(
                {
                    "household_id": rng.choice(household_ids),
                    "pupil_id": None,
                    "purpose": rng.choice(purposes),
                    "purpose_other": "",
                    "announced": True,
                    "planned_departure": start - timedelta(minutes=15),
                    "start": start,
                    "end": start + timedelta(minutes=45),
                    "expected_return": start + timedelta(minutes=60),
                    "lead_staff_id": lead,
                    "companion_staff_id": companion,
                    "office_contact": "Office",
                    "status": status.value,
                    "created_at": start - timedelta(days=3),
                    "updated_at": start - timedelta(days=3),
                    "row_version": 1,
                }
            )
    with db.transaction() as s:
        for chunk in range(0, len(rows), 5000):
            s.execute(insert(Visit), rows[chunk : chunk + 5000])
    return len(rows)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def describe(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return (
        f"{label:<34} median {statistics.median(samples):6.1f} ms   p90 {p90:6.1f} ms   "
        f"max {max(samples):6.1f} ms   (n={len(samples)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--switches", type=int, default=60)
    parser.add_argument("--no-screen", action="store_true", help="skip the Qt screen figures")
    parser.add_argument("--quick", action="store_true", help="a smoke test: small and short")
    args = parser.parse_args()
    if args.quick:
        args.visits, args.switches = 300, 3

    folder = Path(tempfile.mkdtemp(prefix="hvdesk-bench-"))
    db = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
    clock = FakeClock(NOW)
    t0 = time.perf_counter()
    made = build_school(db, args.visits, args.years)
    print(f"{made} visits over {args.years} years inserted in {time.perf_counter() - t0:.1f} s")
    queries = VisitQueries(db, clock)
    policy = PolicySettings()
    staff = [StaffRef(i, f"Staff Member {i - 1:02d}") for i in range(1, 26)]
    rng = random.Random(11)
    today = london(NOW).date()
    anchors = [today - timedelta(days=rng.randint(0, 365 * args.years - 1)) for _ in range(200)]

    def core(mode: Mode) -> list[float]:
        samples, sizes = [], []
        for anchor in anchors[: args.switches]:
            t = time.perf_counter()
            start, end = visible_range(mode, anchor)
            items = queries.calendar_items(start, end)
            view = build_view(mode, anchor, items, now=NOW, policy=policy, staff=staff, today=today)
            samples.append((time.perf_counter() - t) * 1000)
            sizes.append(len(view.entries))
        print(f"  {mode.value}: {statistics.median(sizes):.0f} visits on screen (median)")
        return samples

    results = {f"core {m.value} switch (query + view)": core(m) for m in (Mode.MONTH, Mode.WEEK)}
    results["core lanes switch (query + view)"] = core(Mode.LANES)
    if not args.no_screen:
        results.update(screen(db, clock, args.switches))
    print()
    for label, samples in results.items():
        print(describe(label, samples))
    for label, samples in results.items():
        report(f"calendar: {label} at {made:,} visits", samples, "ms", 50)
    worst = max(statistics.median(s) for s in results.values())
    print(f"\nTarget < 50 ms per switch (median): {'MET' if worst < 50 else 'NOT MET'}")
    db.dispose()
    return 0


def screen(db: Database, clock: FakeClock, switches: int) -> dict[str, list[float]]:
    """The real panel: previous/next as the user presses them, painted offscreen each time."""
    from PySide6.QtWidgets import QApplication

    from hvdesk.services.base import Actor
    from ui.calendar.controller import BookingController
    from ui.panels.calendar import CalendarPanel
    from ui.services import AppServices

    app = QApplication.instance() or QApplication([])
    services = AppServices.build(db, clock)
    panel = CalendarPanel(services, BookingController(services, Actor(None, "Bench")))
    panel.resize(1100, 640)
    panel.show()
    app.processEvents()
    out: dict[str, list[float]] = {}
    for mode in (Mode.MONTH, Mode.WEEK):
        panel.set_mode(mode)
        app.processEvents()

        def switch(direction: list[int] = [1]) -> None:  # noqa: B006
            panel.go(direction[0])
            panel.grab()  # paint it, as the screen would
            if panel.anchor.year < 2018 or panel.anchor.year > 2026:
                direction[0] = -direction[0]

        panel.anchor = london(NOW).date() - timedelta(days=400)
        out[f"screen {mode.value} switch (+ paint)"] = timed(switch, switches)
    panel.timer.stop()
    panel.close()
    app.processEvents()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
