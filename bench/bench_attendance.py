"""Attendance import at a large school's size: a year of marks for 1,000 pupils.

    .venv/bin/python bench/bench_attendance.py [--quick] [--pupils 1000] [--runs 3]

Measures, on a fresh SQLite database per run (the real service: parse, match, one transaction):
- first import of the whole year (about 380,000 marks; target < 5 s);
- importing the same file again (nothing changes: every mark compared);
- working out today's suggestions from the marks (the Today count and the Attendance screen).
--quick does one run of 25 pupils (a smoke test, not the figure to quote). Figures are printed
(medians, and as FIGURE lines for bench/run.py), not asserted; the CPU time of the first import is
printed too, since wall time on a shared machine measures the other processes as well.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import report as figure
from hvdesk.clock import FakeClock
from hvdesk.db import Database
from hvdesk.models import Household, Role
from hvdesk.policy import preset
from hvdesk.services.attendance import AttendanceService
from hvdesk.services.base import Actor
from hvdesk.services.settings import SettingsService

ACTOR = Actor(None, "bench", Role.ADMIN.value)
TODAY = date(2027, 7, 16)


def school_days(until: date) -> list[date]:
    start = until - timedelta(days=365)
    days = [start + timedelta(days=n) for n in range(366)]
    holidays = {8} | {(12, d) for d in range(20, 32)}  # the summer and Christmas holidays
    return [
        d
        for d in days
        if d.weekday() < 5 and d.month not in holidays and (d.month, d.day) not in holidays
    ]


def year_csv(path: Path, pupils: int) -> int:
    rng = random.Random(1)
    days = school_days(TODAY)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("UPN,Admission number,Date,Session,Mark\n")
        for n in range(pupils):
            upn = f"B{n:011d}A"
            for day in days:
                am = "N" if rng.random() < 0.04 else "/"
                out.write(f"{upn},{n + 1},{day.isoformat()},AM,{am}\n")
                out.write(f"{upn},{n + 1},{day.isoformat()},PM,{'N' if am == 'N' else chr(92)}\n")
                rows += 2
    return rows


def fresh_db(folder: Path, pupils: int, run: int) -> Database:
    from hvdesk.models import Pupil

    db = Database(f"sqlite:///{folder / f'bench{run}.sqlite3'}")
    now = datetime(2027, 7, 16, 9, 0, tzinfo=UTC)
    SettingsService(db, FakeClock(now)).save_policy(ACTOR, preset("harrogate"))
    with db.transaction() as s:
        for h in range(0, pupils, 3):
            home = Household(
                name=f"Family {h}", address=f"{h} High Street", postcode="B17 0AB", created_at=now
            )
            s.add(home)
            s.flush()
            for n in range(h, min(h + 3, pupils)):
                s.add(Pupil(household_id=home.id, name=f"Pupil {n}", upn=f"B{n:011d}A"))
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of 25 pupils")
    parser.add_argument("--pupils", type=int, default=None, help="1000 (--quick: 25)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.pupils is None:
        args.pupils = 25 if args.quick else 1000
    runs = 1 if args.quick else args.runs
    first, again, suggest, first_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "year.csv"
        rows = year_csv(csv, args.pupils)
        size = csv.stat().st_size / 1e6
        print(f"{rows:,} marks for {args.pupils:,} pupils ({size:.1f} MB CSV), {runs} run(s)")
        for run in range(runs):
            db = fresh_db(folder, args.pupils, run)
            svc = AttendanceService(db, FakeClock(datetime(2027, 7, 16, 9, 0, tzinfo=UTC)))
            t0, c0 = time.perf_counter(), time.process_time()
            report = svc.import_file(ACTOR, csv)
            first.append(time.perf_counter() - t0)
            first_cpu.append(time.process_time() - c0)
            assert report.added == rows, report.lines()
            t0 = time.perf_counter()
            report = svc.import_file(ACTOR, csv)
            again.append(time.perf_counter() - t0)
            assert report.unchanged == rows
            t0 = time.perf_counter()
            found = svc.suggestions()
            suggest.append(time.perf_counter() - t0)
            db.dispose()
    print(
        f"first import      median {statistics.median(first):6.2f} s  (target < 5 s; CPU "
        f"{statistics.median(first_cpu):.2f} s, load average {os.getloadavg()[0]:.1f})"
    )
    print(f"same file again   median {statistics.median(again):6.2f} s  (nothing changed)")
    print(f"suggestions       median {statistics.median(suggest):6.2f} s  ({len(found)} found)")
    who = f"{rows:,} marks, {args.pupils:,} pupils"
    figure(f"attendance: first import ({who})", first, "s", 5)
    figure(f"attendance: first import, CPU ({who})", first_cpu, "s")
    figure(f"attendance: same file again ({who})", again, "s")
    figure(f"attendance: suggestions ({args.pupils:,} pupils)", suggest, "s")


if __name__ == "__main__":
    main()
