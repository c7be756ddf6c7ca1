"""A week on the office PC, compressed: does the window's memory stay flat?

    .venv/bin/python bench/bench_soak.py --quick            # ~8 s, a smoke run
    .venv/bin/python bench/bench_soak.py --minutes 60       # the real figure (>= 1 h)

The whole app runs offscreen on the real clock and the real scheduler (main window, Today, tracker,
change probe, status bar), signed in as the office. A second seat, a separate process on the same
SQLite file, keeps the school busy the whole time: it books visits that leave, checks them in, brings
them home, and now and then raises a duress alarm and resolves it, so alarm windows open and close
and every screen reloads as it would on a busy day. Resident memory of the window's process is
sampled; the growth after warm-up is fitted by least squares and printed in MB per hour (target
< 2 MB an hour). Figures are printed, not asserted.
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
from hvdesk.services.base import Actor

OUT_TARGET = 20  # visits the second seat keeps out at once


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


def second_seat(db_path: str, seconds: float, seed: int) -> int:
    """Another office PC on the same database: departures, check-ins, returns, a duress now and then."""
    from hvdesk.services.alarms import AlarmService
    from hvdesk.services.tracker import TrackerService

    db = Database(f"sqlite:///{db_path}", run_migrations=False)
    clock = SystemClock()
    tracker, alarms = TrackerService(db, clock), AlarmService(db, clock)
    actor = _actor(db, "head")
    rng = random.Random(seed)
    out: list[int] = []
    end = time.monotonic() + seconds
    actions = 0
    refused: dict[str, int] = {}
    while time.monotonic() < end:
        for alarm in alarms.open_alarms():
            if (clock.now() - alarm.raised_at).total_seconds() > 4:
                try:
                    alarms.acknowledge(actor, alarm.id)
                    alarms.resolve(actor, alarm.id, "false_alarm", "soak: second seat")
                except Exception as err:  # owned by someone else: leave it to them
                    refused[type(err).__name__] = refused.get(type(err).__name__, 0) + 1
        try:
            roll = rng.random()
            if len(out) < OUT_TARGET and (roll < 0.4 or not out):
                visit_id = _approved_visit_now(db, rng)
                tracker.depart(actor, visit_id)
                out.append(visit_id)
            elif roll < 0.75:
                tracker.check_in(actor, rng.choice(out))
            elif roll < 0.97:
                tracker.returned(actor, out.pop(rng.randrange(len(out))))
            else:
                tracker.duress(actor, rng.choice(out), "soak: code word said")
            actions += 1
        except Exception as err:  # a busy database is part of the load; keep going
            refused[type(err).__name__] = refused.get(type(err).__name__, 0) + 1
        time.sleep(rng.uniform(0.5, 2.0))
    print(f"second seat: {actions} actions, refused {refused or 'none'}", file=sys.stderr)
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
    seconds: float, sample_s: float, warmup_s: float, csv: Path | None, seat_extra_s: float = 5.0
) -> int:
    """The soak in a throwaway folder, removed afterwards (a 60-minute run's database and log
    must not pile up in /tmp run after run)."""
    with tempfile.TemporaryDirectory(prefix="hvdesk-soak-", ignore_cleanup_errors=True) as tmp:
        return _soak_in(Path(tmp), seconds, sample_s, warmup_s, csv, seat_extra_s)


def _soak_in(
    folder: Path,
    seconds: float,
    sample_s: float,
    warmup_s: float,
    csv: Path | None,
    seat_extra_s: float,
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
    ctrl = window.tracker_controller  # type: ignore[attr-defined]
    started = time.monotonic()
    next_sample = started
    while (elapsed := time.monotonic() - started) < seconds:
        loop = QEventLoop()
        QTimer.singleShot(200, loop.quit)
        loop.exec()
        if time.monotonic() >= next_sample:
            rss = proc.memory_info().rss / 2**20
            samples.append((elapsed, rss))
            next_sample += sample_s
            if csv is not None:
                with csv.open("a") as f:
                    f.write(
                        f"{elapsed:.0f},{rss:.2f},{len(ctrl.board.rows) if ctrl.board else 0},"
                        f"{ctrl.checks}\n"
                    )
    seat.wait(timeout=60)
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
    length = f"{seconds / 60:.1f} min"
    if len(after) >= 3:
        print(f"growth after warm-up: {_mb_per_hour(after):+.2f} MB/hour (target < 2 MB/hour)")
        report(f"soak: memory growth after warm-up ({length})", [_mb_per_hour(after)], "MB/hour", 2)
    report(f"soak: resident memory, end ({length})", [samples[-1][1]], "MB")
    report(f"soak: resident memory, max ({length})", [max(m for _, m in samples)], "MB")
    window.close()
    db.dispose()
    app.processEvents()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="~8 s smoke run")
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the soak")
    parser.add_argument("--csv", type=Path, help="append every sample (s, MB, out, checks) here")
    parser.add_argument("--seat", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seat:
        return second_seat(args.seat, args.seconds, seed=16)
    if args.quick:
        return soak(8.0, sample_s=0.5, warmup_s=3.0, csv=args.csv, seat_extra_s=2.0)
    seconds = args.minutes * 60
    return soak(seconds, sample_s=10.0, warmup_s=min(600.0, seconds / 4), csv=args.csv)


if __name__ == "__main__":
    sys.exit(main())
