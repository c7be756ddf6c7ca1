"""Two seats in step: the change feed on PostgreSQL with 200 visits out.

    .venv/bin/python bench/bench_live.py [--quick] [--out 200] [--rounds 15] [--idle 60]

A throwaway PostgreSQL cluster is started on a private socket (initdb/pg_ctl, as the tests do;
without PostgreSQL installed it says so and uses SQLite). Seat B is the whole app (main window,
Today, tracker, offscreen); seat A is a second connection recording check-ins. Measures:
- seat to seat: a check-in recorded on A until B's board shows it (target: median < 1 s);
- what one change from A costs B's GUI thread (target < 20 ms; only that visit is re-derived);
- SQL statements and board repaints for one 'Check in OK' click on B;
- queries per minute of B while idle (the change wake-up itself is no query);
- B's longest GUI stall while A records check-ins and every statement takes 200 ms more
  (target < 50 ms);
- B's longest GUI stall while B itself records a check-in (its own 'Check in OK' on Today, until
  the board shows it) and every statement takes 200 ms more (target < 50 ms);
- the same for a form's save: a booking from the booking form and an approval (bench/live_forms.py).
- B's longest GUI stall across a deadline wake (B's clock moved past the next deadline, the
  scheduler's wake, until the alarm window is open) with every statement 200 ms slower (< 50 ms).
`--quick` (for bench/run.py): 5 out, 1 check-in timed per measure, 0.5 s idle. `--deadline-only`: just the
last figure; `--forms`: only the forms' saves (each for before/after pairs). Figures are
printed, not asserted.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")
os.environ.setdefault("HVDESK_DB_KEY", "be" * 32)  # a throwaway key, as bench/run.py sets

from bench_tracker import add_visits_out, run_loop
from live_forms import approval_stalls, booking_stalls
from PySide6.QtCore import QElapsedTimer, QTimer
from sqlalchemy import event, select, text

from bench.figures import report
from hvdesk.clock import SystemClock
from hvdesk.db import Database, make_engine
from hvdesk.demo import load_demo
from hvdesk.models import Role, UserAccount
from hvdesk.scheduler import Wake
from hvdesk.services.base import Actor
from hvdesk.services.tracker import TrackerService
from ui.tracker.feature import TrackerFeature


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1] or None


@contextmanager
def postgres() -> Iterator[str | None]:
    """A private PostgreSQL cluster for the run (None when the server is not installed)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        yield None
        return
    root = os.geteuid() == 0  # initdb refuses root: the server runs as postgres, who must reach
    # its folder, and bench/run.py's private TMPDIR is root's alone (0700): so /tmp then
    base = Path(tempfile.mkdtemp(prefix="hvdesk-bench-pg-", dir="/tmp" if root else None))
    prefix: list[str] = []
    if root:
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = 55000 + os.getpid() % 900
    data = base / "data"
    run = lambda *a: subprocess.run([*prefix, *a], check=True, capture_output=True)  # noqa: E731
    run(initdb, "-D", str(data), "-A", "trust", "-U", "hvdesk")
    opts = f"-p {port} -k {base} -c listen_addresses='' -c fsync=off"
    run(pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o", opts, "start")
    try:
        server = f"postgresql+psycopg://hvdesk@/postgres?host={base}&port={port}"
        admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        yield server.replace("/postgres?", "/bench?")
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Statements sent on `db` (the feed's own wake-up reads left out: they are no query)."""
    seen: list[str] = []

    def before(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
        if "data_version" not in sql and "LISTEN" not in sql:
            seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


_SLOW: dict[int, float] = {}  # engine id -> seconds every statement waits (0 or absent: none)


@contextmanager
def latency(db: Database, seconds: float) -> Iterator[None]:
    """Every statement on `db` waits `seconds` first: a database across a slow network. The
    listener is registered once per engine and switched by a flag: adding or removing it while
    the workers' threads run statements breaks SQLAlchemy's listener list."""
    key = id(db.engine)
    if key not in _SLOW:

        def slow(*_a: Any) -> None:
            wait = _SLOW.get(key, 0.0)
            if wait:
                time.sleep(wait)

        event.listen(db.engine, "before_cursor_execute", slow)
    _SLOW[key] = seconds
    try:
        yield
    finally:
        _SLOW[key] = 0.0


def wait_for(done: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        run_loop(5)
    return done()


class JumpClock(SystemClock):
    """Seat B's wall clock, moved on by hand past a deadline (seat A keeps the real time)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.offset


class Stalls:
    """The GUI thread's longest gap between 5 ms heartbeats (what a person feels as a freeze),
    and the GUI thread's own CPU time in its longest stretch between heartbeats (`cpu`, one per
    stop): on a loaded machine the gaps also hold the waits for a core and for the GIL while
    the workers run Python, which the CPU time leaves out."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.clock = QElapsedTimer()
        self.longest = 0.0
        self.cpu: list[float] = []
        self._cpu_longest = 0.0
        self._cpu_at = 0.0
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        gap = self.clock.restart()
        self.longest = max(self.longest, float(gap))
        self._cpu_mark()

    def _cpu_mark(self) -> None:
        at = time.thread_time()
        self._cpu_longest = max(self._cpu_longest, (at - self._cpu_at) * 1000)
        self._cpu_at = at

    def start(self) -> None:
        self.longest = self._cpu_longest = 0.0
        self._cpu_at = time.thread_time()
        self.clock.start()
        self.timer.start()

    def stop(self) -> float:
        """The longest gap, counting the one still open: a click that held the GUI thread
        until what it waited for was done leaves no heartbeat after it."""
        self.timer.stop()
        self._cpu_mark()
        self.cpu.append(self._cpu_longest)
        return max(self.longest, float(self.clock.elapsed()))

    def cpu_line(self, last: int) -> str:
        """The GUI thread's CPU time in its longest stretch, over the last `last` stops."""
        xs = self.cpu[-last:] if last else []
        if not xs:
            return ""
        return (
            f"  GUI-thread CPU in its longest stretch: median {statistics.median(xs):.0f} ms, "
            f"max {max(xs):.0f} ms over {len(xs)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 out, 1 round, 0.5 s idle")
    parser.add_argument("--out", type=int, default=200, help="visits out at once")
    parser.add_argument("--rounds", type=int, default=15, help="check-ins timed seat to seat")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to count")
    parser.add_argument(
        "--deadline-only", action="store_true", help="only the stall across deadline wakes"
    )
    parser.add_argument("--forms", action="store_true", help="only the forms' saves")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.idle, args.out = 1, 0.5, min(args.out, 5)
    with postgres() as url:
        return measure(args, url)


def measure(args: argparse.Namespace, url: str | None) -> int:
    from ui import dialogs
    from ui.app import build_window, create_application
    from ui.services import AppServices

    app = create_application([])
    dialogs.ask = lambda *a: True
    dialogs.tell = lambda *a, **k: None
    if url is None:
        print("PostgreSQL is not installed here: measuring on SQLite (data_version) instead")
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='hvdesk-bench-')) / 'bench.sqlite3'}"
    clock = JumpClock()
    seat_a = Database(url)
    load_demo(seat_a, clock)
    add_visits_out(seat_a, args.out, [])
    seat_b = Database(url, run_migrations=False)
    with seat_b.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
    actor_b = Actor(user.id, user.display_name, Role.OFFICE.value)
    actor_a = Actor(None, "Seat A", Role.OFFICE.value)
    window = build_window(AppServices.build(seat_b, clock), actor_b)
    window.resize(1280, 720)
    window.show()
    ctrl, live = window.feature(TrackerFeature).controller, window.live
    for alarm in ctrl.alarm_service.open_alarms():  # start from a quiet board
        ctrl.alarm_service.acknowledge(actor_b, alarm.id)
        ctrl.alarm_service.resolve(actor_b, alarm.id, "false_alarm", "bench")
    window.data_changed.emit()
    run_loop(500)
    out_now = len(ctrl.board.rows)
    if args.forms:
        return measure_forms(window, seat_b, out_now, max(3, args.rounds // 3))
    quiet = [r.visit.id for r in ctrl.board.rows if not r.open_alarm_ids]
    tracker_a = TrackerService(seat_a, SystemClock())
    if args.deadline_only:
        wakes = deadline_wake_stalls(ctrl, clock, seat_b, Stalls(), max(3, args.rounds // 3))
        print("\n".join(wakes.lines()))
        window.close()
        app.processEvents()
        return 0

    # the GUI thread's cost of one change from another seat
    costs: list[float] = []
    real_on_change, real_show = ctrl.on_change, ctrl._show_visits

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a)
            finally:
                costs.append((time.perf_counter() - t) * 1000)

        return run

    live.changed.disconnect(ctrl.on_change)
    live.changed.connect(timed(real_on_change))
    ctrl._show_visits = timed(real_show)  # type: ignore[method-assign]

    # seat to seat
    delays: list[float] = []
    for i in range(args.rounds):
        visit_id = quiet[i % len(quiet)]
        before = ctrl.board.row(visit_id)
        count = len(before.events) if before else 0
        t = time.perf_counter()
        tracker_a.check_in(actor_a, visit_id)
        seen = wait_for(lambda v=visit_id, n=count: _events(ctrl, v) > n, 5.0)
        if seen:
            delays.append((time.perf_counter() - t) * 1000)
        run_loop(50)

    # one click on B
    target = quiet[-1]
    window.show_panel("Today")
    window.today.select_visit(target)
    repaints: list[object] = []
    ctrl.board_changed.connect(repaints.append)
    with counting(seat_b) as sql:
        window.today.buttons["check_in"].click()
        run_loop(300)
    ctrl.board_changed.disconnect(repaints.append)
    click_sql, click_paints = len(sql), len(repaints)

    # idle
    run_loop(500)
    with counting(seat_b) as sql:
        ctrl.scheduler.sweep()  # a quiet sweep happens every 30 s: include one
        run_loop(int(args.idle * 1000))
    idle_per_min = len(sql) * 60 / args.idle

    # stalls with 200 ms more per statement, while seat A records check-ins (each round costs
    # seconds: one in the smoke test)
    stall_rounds = 1 if args.quick else max(3, args.rounds // 3)
    stalls = Stalls()
    with latency(seat_b, 0.2):
        stalls.start()
        for i in range(stall_rounds):
            visit_id = quiet[(i + 7) % len(quiet)]
            n = _events(ctrl, visit_id)
            tracker_a.check_in(actor_a, visit_id)
            wait_for(lambda v=visit_id, n=n: _events(ctrl, v) > n, 10.0)
        run_loop(200)
        longest = stalls.stop()
    own = own_check_in_stalls(window, ctrl, seat_b, stalls, quiet, stall_rounds)
    measure_forms(window, seat_b, out_now, stall_rounds, close=False)
    wakes = deadline_wake_stalls(ctrl, clock, seat_b, stalls, stall_rounds)

    print(f"backend: {seat_b.engine.dialect.name}; visits out at once: {out_now}")
    if delays:
        print(
            f"seat to seat (check-in on A -> on B's board): median {statistics.median(delays):.0f} "
            f"ms, max {max(delays):.0f} ms over {len(delays)} (target median < 1000 ms)"
        )
    print(f"  not seen within 5 s: {args.rounds - len(delays)}")
    if costs:
        print(
            f"GUI-thread cost of one change from another seat: median "
            f"{statistics.median(costs):.1f} ms, max {max(costs):.1f} ms (target < 20 ms)"
        )
    print(f"one 'Check in OK' click on B: {click_sql} SQL statements, {click_paints} repaint(s)")
    print(f"idle seat: {idle_per_min:.1f} queries/min over {args.idle:.0f} s (incl. one sweep)")
    print(f"longest GUI stall, 200 ms per statement, A recording: {longest:.0f} ms (target < 50)")
    print(
        f"longest GUI stall, 200 ms per statement, B recording its own check-in: median "
        f"{statistics.median(own):.0f} ms, max {max(own):.0f} ms over {len(own)} (target < 50)"
    )
    print("\n".join(wakes.lines()))
    where = f"{seat_b.engine.dialect.name}, {out_now} out"
    if delays:
        report(f"live: seat to seat, check-in A -> B's board ({where})", delays, "ms", 1000)
    report(
        f"live: check-ins not seen on B within 5 s ({where})",
        [args.rounds - len(delays)],
        "check-ins",
    )
    if costs:
        report(f"live: GUI-thread cost of one change from another seat ({where})", costs, "ms", 20)
    report(f"live: SQL statements per 'Check in OK' click ({where})", [click_sql], "statements")
    report(f"live: board repaints per 'Check in OK' click ({where})", [click_paints], "repaints")
    report(f"live: idle queries/min, incl. one sweep ({where})", [idle_per_min], "/min")
    report(f"live: longest GUI stall, 200 ms per statement ({where})", [longest], "ms", 50)
    report(
        f"live: longest GUI stall while this seat records a check-in, 200 ms per statement "
        f"({where})",
        own,
        "ms",
        50,
    )
    wakes.report(where)
    window.close()
    app.processEvents()
    seat_a.dispose()
    seat_b.dispose()
    return 0


def measure_forms(
    window: Any, db: Database, out_now: int, rounds: int, *, close: bool = True
) -> int:
    """The GUI thread's longest stall while a booking and an approval are saved (200 ms more per
    statement), one figure per save."""
    stalls = Stalls()
    where = f"{db.engine.dialect.name}, {out_now} out"
    for name, measure_one in (("booking", booking_stalls), ("approval", approval_stalls)):
        stalls.cpu.clear()
        longest = measure_one(window, db, stalls, rounds, latency, wait_for)
        if not longest:
            continue
        print(
            f"longest GUI stall, 200 ms per statement, saving a {name}: median "
            f"{statistics.median(longest):.0f} ms, max {max(longest):.0f} ms over {len(longest)} "
            f"(target < 50): {', '.join(f'{x:.0f}' for x in longest)}"
        )
        print(stalls.cpu_line(len(stalls.cpu)))  # every save timed
        report(
            f"live: longest GUI stall while saving a {name}, 200 ms per statement ({where})",
            longest,
            "ms",
            50,
        )
        report(
            f"live: GUI-thread CPU in the longest stretch while saving a {name} ({where})",
            stalls.cpu,
            "ms",
            50,
        )
    if close:
        window.close()
    return 0


def own_check_in_stalls(
    window: Any, ctrl: Any, db: Database, stalls: Stalls, quiet: list[int], rounds: int
) -> list[float]:
    """This seat's own 'Check in OK' on Today, every statement 200 ms slower: the longest GUI
    stall from the click until the board shows the check-in, one figure per click."""
    window.show_panel("Today")
    longest: list[float] = []
    with latency(db, 0.2):
        for i in range(rounds):
            visit_id = quiet[(i + 11) % len(quiet)]
            n = _events(ctrl, visit_id)
            window.today.select_visit(visit_id)
            stalls.start()
            window.today.buttons["check_in"].click()
            seen = wait_for(lambda v=visit_id, n=n: _events(ctrl, v) > n, 20.0)
            run_loop(100)
            longest.append(stalls.stop())
            if not seen:
                print(f"  this seat's check-in on visit {visit_id} not on its board within 20 s")
    return longest


def _next_new_alarm_at(board: Any, now: datetime) -> datetime | None:
    """The next deadline of a visit with no alarm open (one already open opens no new window:
    the round would wait out its 60 s for nothing)."""
    if board is None:
        return None
    lapses = (r.state.next_lapse(now) for r in board.rows if not r.open_alarm_ids)
    return min((t for t in lapses if t is not None), default=None)


def deadline_wake_stalls(
    ctrl: Any, clock: JumpClock, db: Database, stalls: Stalls, rounds: int
) -> Wakes:
    """B's clock moves just past the next deadline on its board and the scheduler's wake comes
    (as from its thread): the longest GUI stall until that alarm's window is open, every
    statement 200 ms slower; the time from the wake until the window is visible; and the stall
    of building the next spare alarm window afterwards (ui/tracker/spare.py). One figure each
    per wake; each wake finds the seat idle (its spare built)."""
    wakes = Wakes()
    with latency(db, 0.2):
        for _ in range(rounds):
            # an idle seat: the spare built, the reads after the last alarm done
            wait_for(lambda: ctrl.spare.ready is not None and not ctrl.live.worker.outstanding, 30)
            run_loop(100)
            now = clock.now()
            lapse = _next_new_alarm_at(ctrl.board, now)
            if lapse is None:
                print("  no deadline left on the board to pass")
                break
            clock.offset += lapse - now + timedelta(seconds=1)
            before = set(ctrl.windows)
            stalls.start()
            t = time.perf_counter()
            ctrl.woke.emit(Wake("deadline", key="bench"))
            opened = wait_for(lambda b=before: _new_window_visible(ctrl, b), 60.0)
            shown = (time.perf_counter() - t) * 1000
            run_loop(100)
            stall = stalls.stop()
            if not opened:  # no figure: the round measured a wait, not a window opening
                print("  the alarm window of a passed deadline did not open within 60 s")
                continue
            wakes.stalls.append(stall)
            wakes.cpu.append(stalls.cpu[-1])
            wakes.visible.append(shown)
            stalls.start()
            wait_for(lambda: ctrl.spare.ready is not None, 10.0)
            run_loop(50)
            wakes.spare.append(stalls.stop())
            wakes.spare_cpu.append(stalls.cpu[-1])
    return wakes


class Wakes:
    """deadline_wake_stalls' figures, one per wake (ms)."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self.cpu: list[float] = []  # the GUI thread's CPU time in each wake's longest stretch
        self.visible: list[float] = []
        self.spare: list[float] = []
        self.spare_cpu: list[float] = []

    def lines(self) -> list[str]:
        return [
            f"{title}: median {statistics.median(xs):.0f} ms, max {max(xs):.0f} ms over "
            f"{len(xs)}{target}"
            for title, xs, target in (
                (
                    "longest GUI stall across a deadline wake, 200 ms per statement",
                    self.stalls,
                    " (target < 50)",
                ),
                ("  GUI-thread CPU in its longest stretch", self.cpu, ""),
                ("  from the wake to the alarm window visible", self.visible, ""),
                (
                    "  longest GUI stall while the next spare alarm window is built",
                    self.spare,
                    " (target < 50)",
                ),
                ("    GUI-thread CPU in its longest stretch", self.spare_cpu, ""),
            )
            if xs
        ]

    def report(self, where: str) -> None:
        report(
            f"live: longest GUI stall across a deadline wake, 200 ms per statement ({where})",
            self.stalls,
            "ms",
            50,
        )
        report(
            f"live: GUI-thread CPU in the longest stretch of a deadline wake ({where})",
            self.cpu,
            "ms",
            50,
        )
        if self.visible:
            report(f"live: deadline wake to alarm window visible ({where})", self.visible, "ms")
        if self.spare:
            report(
                f"live: longest GUI stall building the spare alarm window ({where})",
                self.spare,
                "ms",
                50,
            )


def _new_window_visible(ctrl: Any, before: set[int]) -> bool:
    return any(w.isVisible() for i, w in ctrl.windows.items() if i not in before)


def _events(ctrl: Any, visit_id: int) -> int:
    row = ctrl.board.row(visit_id) if ctrl.board is not None else None
    return len(row.events) if row is not None else 0


if __name__ == "__main__":
    sys.exit(main())
