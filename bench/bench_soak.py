"""A week on the office PC, compressed: does the window's memory stay flat?

    .venv/bin/python bench/bench_soak.py --quick            # ~5 s, a smoke run
    .venv/bin/python bench/bench_soak.py --minutes 60       # the real figure (>= 1 h)
    .venv/bin/python bench/bench_soak.py --minutes 12 --warmup 3 --trace 3   # what grows, and where

The whole app runs offscreen on the real clock and the real scheduler (main window, Today, tracker,
change probe, status bar), signed in as the office. A second seat, a separate process on the same
SQLite file, keeps the school busy the whole time: it books visits that leave, checks them in, brings
them home, and now and then raises a duress alarm and resolves it, so alarm windows open and close
and every screen reloads as it would on a busy day.

The load is a school's month in an hour (~700 visits), but Today shows a realistic day: the second
seat writes up the visits that came home (a few wait, as in an office: returned -> completed, through
OutcomeService) and then moves each written-up visit back into the past week (every time on it,
1-7 days back; the audit trail is not touched). Left on today, thousands of visits on one day would
make Today's lists grow with the bench, which no school's day does. The database still grows as it
would over months of visits, so anything the window keeps per visit it has ever seen shows up as
growth; Today's list sizes are printed at the end so a reader can check the day stayed a day.

Resident memory of the window's process is sampled; the growth after warm-up is fitted by least
squares and printed in MB per hour (target < 2 MB an hour), overall and over the last 25 minutes.
`--trace MIN` diagnoses growth instead (bench/soak_trace.py: tracemalloc by file:line, live objects
by type, Qt objects, every MIN minutes after warm-up; it slows the window, so its RSS figures are not
the soak's). `--csv` adds glibc's heap (in use, held free, mmapped) to each sample: growth in
"held free" with "in use" flat is the allocator keeping freed memory, not a leak; it adds
Python's own heap too (its 1 MiB arenas, mapped outside malloc's figures, which no trim returns);
`--trim S` calls malloc_trim(0) every S seconds from the bench itself, to check that diagnosis
(the window does the same once a minute, hvdesk.platform.heap); `--no-trim` switches the window's
trim off, for the "without" figure of a with/without pair. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")

from sqlalchemy import select

from bench.figures import report
from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.models import Household, Staff, UserAccount, Visit, VisitStatus
from hvdesk.platform.heap import release_free_memory
from hvdesk.services.alarms import AlarmService
from hvdesk.services.base import Actor
from hvdesk.services.outcomes import OutcomeInput, OutcomeService

OUT_TARGET = 20  # visits the second seat keeps out at once
LAST_S = 25 * 60.0  # the soak's tail, fitted on its own
TRIM_S: float | None = None  # --trim: seconds between glibc malloc_trim(0) calls (a diagnosis)
WRITE_UPS_WAITING = 4  # visits home, not yet written up, before the oldest is


def _actor(db: Database, username: str) -> Actor:
    with db.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return Actor(user.id, user.display_name, user.role)


def _approved_visit_now(db: Database, rng: random.Random) -> int:
    """An approved visit starting now (booking's checks are not what is measured here)."""
    now = datetime.now(UTC)
    with db.transaction() as s:
        households = list(s.scalars(select(Household.id)))
        staff = list(s.scalars(select(Staff.id).where(Staff.active.is_(True))))
        lead, companion = rng.sample(staff, 2)
        visit = Visit(
            household_id=rng.choice(households),
            purpose="attendance",
            planned_departure=now,
            start=now + timedelta(minutes=15),
            end=now + timedelta(minutes=60),
            expected_return=now + timedelta(minutes=80),
            lead_staff_id=lead,
            companion_staff_id=companion,
            status=VisitStatus.APPROVED.value,
            created_at=now,
            updated_at=now,
        )
        s.add(visit)
        s.flush()
        return visit.id


def _written_up(outcomes: OutcomeService, actor: Actor, visit_id: int) -> None:
    """Staff write the visit up once home (returned -> completed), as a school does the same day."""
    outcomes.record(
        actor,
        visit_id,
        OutcomeInput(
            summary="soak: parent seen, attendance plan agreed", social_worker_informed=True
        ),
    )


def _into_past_week(db: Database, visit_id: int, days: int) -> None:
    """A finished visit becomes one of the past week's: every time on it moves back `days` days.

    The bench books a school's month of visits in an hour; left on today they would make Today a
    list of thousands that no school has. Moved back, Today holds what a busy day holds (the ~20
    out, the few awaiting write-up), while the database keeps growing as it would over months:
    anything the window keeps per visit it has ever seen still shows as growth."""
    shift = timedelta(days=days)
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        if visit is None:
            return
        for name in ("planned_departure", "start", "end", "expected_return", "created_at"):
            setattr(visit, name, getattr(visit, name) - shift)
        for name in ("approved_at", "departed_at", "arrived_at", "left_at", "returned_at"):
            if getattr(visit, name) is not None:
                setattr(visit, name, getattr(visit, name) - shift)


def _resolve_old_alarms(alarms: AlarmService, actor: Actor, refused: dict[str, int]) -> None:
    for alarm in alarms.open_alarms():
        if (datetime.now(UTC) - alarm.raised_at).total_seconds() > 4:
            try:
                alarms.acknowledge(actor, alarm.id)
                alarms.resolve(actor, alarm.id, "false_alarm", "soak: second seat")
            except Exception as err:  # owned by someone else: leave it to them
                refused[type(err).__name__] = refused.get(type(err).__name__, 0) + 1


def second_seat(db_path: str, seconds: float, seed: int) -> int:
    """Another office PC on the same database: departures, check-ins, returns, a duress now and
    then, and the write-ups of visits that came home (a few wait, as they do in an office)."""
    from hvdesk.services.tracker import TrackerService

    db = Database(f"sqlite:///{db_path}", run_migrations=False)
    clock = SystemClock()
    tracker, alarms = TrackerService(db, clock), AlarmService(db, clock)
    outcomes = OutcomeService(db, clock)
    actor = _actor(db, "head")
    rng = random.Random(seed)
    out: list[int] = []
    home: list[int] = []  # returned, not yet written up
    end = time.monotonic() + seconds
    actions = moved = 0
    refused: dict[str, int] = {}
    while time.monotonic() < end:
        _resolve_old_alarms(alarms, actor, refused)
        try:
            roll = rng.random()
            if len(home) > WRITE_UPS_WAITING:
                visit_id = home.pop(0)
                _written_up(outcomes, actor, visit_id)
                _into_past_week(db, visit_id, 1 + moved % 7)
                moved += 1
            elif len(out) < OUT_TARGET and (roll < 0.4 or not out):
                visit_id = _approved_visit_now(db, rng)
                tracker.depart(actor, visit_id)
                out.append(visit_id)
            elif roll < 0.75:
                tracker.check_in(actor, rng.choice(out))
            elif roll < 0.97:
                visit_id = out.pop(rng.randrange(len(out)))
                home.append(visit_id)
                tracker.returned(actor, visit_id)
            else:
                tracker.duress(actor, rng.choice(out), "soak: code word said")
            actions += 1
        except Exception as err:  # a busy database is part of the load; keep going
            refused[type(err).__name__] = refused.get(type(err).__name__, 0) + 1
        time.sleep(rng.uniform(0.5, 2.0))
    print(
        f"second seat: {actions} actions, {moved} visits written up and moved into the past week, "
        f"refused {refused or 'none'}",
        file=sys.stderr,
    )
    db.dispose()
    return 0


def _mb_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of resident MB over hours."""
    xs = [t / 3600 for t, _ in samples]
    ys = [mb for _, mb in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def soak(
    seconds: float,
    sample_s: float,
    warmup_s: float,
    csv: Path | None,
    seat_extra_s: float = 5.0,
    trace_s: float | None = None,
) -> int:
    """The soak in a throwaway folder, removed afterwards (a 60-minute run's database and log
    must not pile up in /tmp run after run)."""
    with tempfile.TemporaryDirectory(prefix="hvdesk-soak-", ignore_cleanup_errors=True) as tmp:
        return _soak_in(Path(tmp), seconds, sample_s, warmup_s, csv, seat_extra_s, trace_s)


def _soak_in(
    folder: Path,
    seconds: float,
    sample_s: float,
    warmup_s: float,
    csv: Path | None,
    seat_extra_s: float,
    trace_s: float | None,
) -> int:
    import psutil
    from PySide6.QtCore import QEventLoop, QTimer

    from hvdesk.demo import load_demo
    from ui import dialogs
    from ui.app import build_window, create_application
    from ui.services import AppServices

    app = create_application([])
    dialogs.ask = lambda *a: True  # type: ignore[assignment]
    dialogs.tell = lambda *a, **k: None  # type: ignore[assignment]
    db_path = folder / "soak.sqlite3"
    db = Database(f"sqlite:///{db_path}")
    clock = SystemClock()
    load_demo(db, clock)
    window = build_window(AppServices.build(db, clock), _actor(db, "office"))
    window.resize(1280, 720)
    window.show()
    seat = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--seat",
            str(db_path),
            "--seconds",
            str(seconds + seat_extra_s),
        ],
        env=os.environ.copy(),
    )
    proc = psutil.Process()
    samples: list[tuple[float, float]] = []
    sqlite_start = _sqlite_mb()
    ctrl = window.tracker_controller  # type: ignore[attr-defined]
    trace = None
    if trace_s is not None:
        from bench.soak_trace import SoakTrace

        trace = SoakTrace(window)
    started = time.monotonic()
    next_sample = next_trim = started
    next_trace = warmup_s
    while (elapsed := time.monotonic() - started) < seconds:
        loop = QEventLoop()
        QTimer.singleShot(200, loop.quit)
        loop.exec()
        if TRIM_S is not None and time.monotonic() >= next_trim:
            release_free_memory()
            next_trim += TRIM_S
        if time.monotonic() >= next_sample:
            rss = proc.memory_info().rss / 2**20
            samples.append((elapsed, rss))
            next_sample += sample_s
            if csv is not None:
                with csv.open("a") as f:
                    f.write(
                        f"{elapsed:.0f},{rss:.2f},{len(ctrl.board.rows) if ctrl.board else 0},"
                        f"{ctrl.checks},{_rss_kinds()},{_sqlite_mb()},{_malloc_csv()},{_pymalloc_csv()}\n"
                    )
        if trace is not None and trace_s is not None and elapsed >= next_trace:
            rss = proc.memory_info().rss / 2**20
            if trace.base_snapshot is None:
                trace.baseline()
            else:
                trace.report(f"at {elapsed / 60:.1f} min", rss)
            next_trace += trace_s
    seat.wait(timeout=60)
    if trace is not None:
        trace.report("at the end", proc.memory_info().rss / 2**20)
    _print_today(window)
    after = [(t, mb) for t, mb in samples if t >= warmup_s]
    print(
        f"soak: {seconds / 60:.1f} min, {len(samples)} samples every {sample_s:g} s, "
        f"{ctrl.checks} tracker checks, {len(ctrl.wakes)} recent wakes kept, "
        f"{len(ctrl.tray.messages)} recent tray messages kept"
    )
    print(
        f"resident memory: start {samples[0][1]:.1f} MB, after warm-up ({warmup_s / 60:.1f} min) "
        f"{after[0][1]:.1f} MB, end {samples[-1][1]:.1f} MB, max {max(m for _, m in samples):.1f} MB"
    )
    # SQLite's page caches fill up to their bound (2 MB a connection) as the database grows
    print(
        f"SQLite's own heap (page caches, prepared statements): {sqlite_start} -> {_sqlite_mb()} MB"
    )
    length = f"{seconds / 60:.1f} min"
    if len(after) >= 3:
        print(f"growth after warm-up: {_mb_per_hour(after):+.2f} MB/hour (target < 2 MB/hour)")
        last = [(t, mb) for t, mb in samples if t >= seconds - LAST_S]
        if seconds >= 2 * LAST_S and len(last) >= 3:
            print(f"growth in the last {LAST_S / 60:.0f} min: {_mb_per_hour(last):+.2f} MB/hour")
        report(f"soak: memory growth after warm-up ({length})", [_mb_per_hour(after)], "MB/hour", 2)
    report(f"soak: resident memory, end ({length})", [samples[-1][1]], "MB")
    report(f"soak: resident memory, max ({length})", [max(m for _, m in samples)], "MB")
    window.close()
    db.dispose()
    app.processEvents()
    return 0


def _sqlite_mb() -> str:
    """SQLite's own heap (page caches and prepared statements of every connection), in MB."""
    try:
        import _sqlite3
        import ctypes

        used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
        used.restype = ctypes.c_int64
        return f"{used() / 2**20:.2f}"
    except (OSError, AttributeError):
        return ""


def switch_off_window_trim() -> None:
    """`--no-trim`: the window's once-a-minute malloc_trim (ui.office_pc) does nothing, for the
    "without" figure of a with/without pair."""
    from ui import office_pc

    office_pc.release_free_memory = lambda: False


def _malloc_csv() -> str:
    """The C heap in use, held free and mmapped (MB, glibc), for the CSV: leak or fragmentation."""
    from bench.soak_trace import mallinfo

    info = mallinfo()
    return ",".join(f"{info[k]:.2f}" for k in ("in_use", "free", "mmapped")) if info else ",,"


def _pymalloc_csv() -> str:
    """Python's own small-object heap (MB): its 1 MiB arenas in use, the bytes in live blocks and
    the free blocks inside them. The arenas are mmapped by Python, outside malloc's figures, so
    growth here with the blocks flat is Python's heap fragmenting, which malloc_trim cannot return."""
    from bench.soak_trace import pymalloc

    info = pymalloc()
    return (
        ",".join(f"{info[k]:.2f}" for k in ("arenas", "allocated", "available")) if info else ",,"
    )


def _rss_kinds() -> str:
    """Anonymous, file-backed and shared resident MB (Linux), for the CSV: where growth lies."""
    try:
        with open("/proc/self/status") as status:
            kinds = dict(line.split(":", 1) for line in status if line.startswith("Rss"))
    except OSError:
        return ",,"
    return ",".join(
        f"{int(kinds[k].split()[0]) / 1024:.2f}" if k in kinds else ""
        for k in ("RssAnon", "RssFile", "RssShmem")
    )


def _print_today(window: object) -> None:
    """How big Today's lists are at the end: the day the window shows stayed a school's day."""
    import gc

    today = window.today  # type: ignore[attr-defined]
    gc.collect()
    print(
        f"Today at the end: {today.board_model.rowCount()} out now, "
        f"{today.later_model.rowCount()} later today, {today.approval_model.rowCount()} awaiting "
        f"approval, {today.writeup_model.rowCount()} to write up; "
        f"{len(gc.get_objects())} live Python objects"
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~5 s smoke run")
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the soak")
    parser.add_argument(
        "--csv",
        type=Path,
        help="append every sample (s, MB, out, checks, anon, file, shared, SQLite, malloc in use,"
        " free, mmapped, Python arenas, blocks allocated, blocks available MB) here",
    )
    parser.add_argument(
        "--trace",
        type=float,
        metavar="MIN",
        help="diagnose growth: tracemalloc, gc and Qt object counts every MIN minutes after warm-up",
    )
    parser.add_argument(
        "--trim",
        type=float,
        metavar="S",
        help="diagnose: glibc malloc_trim(0) every S seconds (flat then = memory held free, no leak)",
    )
    parser.add_argument(
        "--no-trim",
        action="store_true",
        help="switch off the window's once-a-minute malloc_trim (the 'without' of a pair)",
    )
    parser.add_argument("--warmup", type=float, metavar="MIN", help="warm-up length in minutes")
    parser.add_argument("--seat", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    return parser


def main() -> int:
    args = parser().parse_args()
    if args.seat:
        return second_seat(args.seat, args.seconds, seed=16)
    trace_s = args.trace * 60 if args.trace else None
    global TRIM_S
    TRIM_S = args.trim
    if args.no_trim:
        switch_off_window_trim()
    if args.quick:
        return soak(
            5.0, sample_s=0.5, warmup_s=2.0, csv=args.csv, seat_extra_s=1.0, trace_s=trace_s
        )
    seconds = args.minutes * 60
    warmup_s = args.warmup * 60 if args.warmup is not None else min(600.0, seconds / 4)
    return soak(seconds, sample_s=10.0, warmup_s=warmup_s, csv=args.csv, trace_s=trace_s)


if __name__ == "__main__":
    sys.exit(main())
