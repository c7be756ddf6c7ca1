"""The GUI thread's longest stall while a person moves about the screens, every statement 200 ms
slower (a database across a slow network): the Calendar's next week, month view and staff filter,
the Staff and Incidents screens, 'Show deactivated', a change on the booking form (its live
check), and the dialogs that read before they open (a suggested visit's booking, the Calendar's
export, the risk assessment after booking, the outcome's write-up). Target < 50 ms each (issue 9:
the window never waits on the database).

    .venv/bin/python bench/bench_screens.py [--quick] [--rounds 3] [--slow 0.2] [--json]
    .venv/bin/python bench/bench_screens.py --vs /tmp/base_checkout [--pairs 5]

`--vs DIR`: alternating before/after pairs in one run, each side in its own process (DIR is a
checkout of the code before, with this file copied in), medians over every sample of each side.
SQLite, the demo school, offscreen. `--quick` (bench/run.py): one round. Figures are printed
(bench/figures.py), not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")
os.environ.setdefault("HVDESK_DB_KEY", "be" * 32)

from bench.figures import report

SLOW_S = 0.2


def _actions(window: Any) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(name, what the person does, what puts it back), in the order done."""
    from PySide6.QtCore import QTime

    from ui.calendar.feature import CalendarFeature

    cal = window.feature(CalendarFeature).panel
    controller = window.feature(CalendarFeature).controller

    def open_booking() -> None:  # opened before the figure (once read): not measured
        controller.new_visit(window)

    def change_booking() -> None:
        dialog = controller.dialog
        dialog.start.setTime(QTime(18, 15) if dialog.start.time().hour() != 18 else QTime(11, 0))

    from ui.calendar.model import Mode
    from ui.incidents import IncidentsFeature

    incidents = window.feature(IncidentsFeature).panel
    return [
        ("calendar: next week", lambda: cal.go(1), lambda: cal.go(-1)),
        ("calendar: month view", lambda: cal.set_mode(Mode.MONTH), lambda: cal.set_mode(Mode.WEEK)),
        (
            "calendar: staff filter",
            lambda: cal.staff_filter.setCurrentIndex(1),
            lambda: cal.staff_filter.setCurrentIndex(0),
        ),
        ("screen: Staff", lambda: window.show_panel("Staff"), lambda: None),
        (
            "staff: show deactivated",
            lambda: window.staff.show_inactive.toggle(),
            lambda: window.staff.show_inactive.toggle(),
        ),
        ("screen: Incidents", lambda: window.show_panel("Incidents"), lambda: incidents.refresh()),
        ("screen: Calendar", lambda: window.show_panel("Calendar"), lambda: open_booking()),
        ("booking form: a change (live check)", change_booking, lambda: None),
        *_dialogs(window),
    ]


def _dialogs(window: Any) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """The dialogs that read before they open (issue 9's last stop): each opened, then closed."""
    from PySide6.QtWidgets import QApplication, QDialog
    from sqlalchemy import select

    from hvdesk.models import Visit
    from ui import attendance
    from ui.calendar.feature import CalendarFeature
    from ui.outcome_dialog import OutcomeDialog

    # Before: "Write up outcome…" opened with exec() (a nested loop the bench cannot drive).
    OutcomeDialog.exec = lambda self: (self.open(), 0)[1]  # type: ignore[method-assign]
    controller = window.feature(CalendarFeature).controller
    book = window.feature(attendance.AttendanceFeature).panel.book_button
    with window.services.db.read() as s:
        draft = s.scalar(select(Visit.id).where(Visit.status == "draft"))
        returned = window.services.visits.get(
            s.scalar(select(Visit.id).where(Visit.status == "returned"))
        )
    outcome = next(a for a in window.visit_actions.for_visit(returned) if "outcome" in a.label)

    def close_all() -> None:
        for top in QApplication.topLevelWidgets():
            if isinstance(top, QDialog) and top.isVisible():
                top.reject()

    return [
        ("screen: Attendance", lambda: window.show_panel("Attendance"), lambda: None),
        ("dialog: book a suggested visit", book.click, close_all),
        ("dialog: export calendar", lambda: controller.export(window), close_all),
        (
            "dialog: assess after booking",
            lambda: controller.assess_after_booking(draft, window),
            close_all,
        ),
        ("dialog: write up outcome", lambda: outcome.run(returned, window), close_all),
    ]


def _quiet(window: Any) -> bool:
    """Every read and write the window started has come back, and no live check waits."""
    from PySide6.QtWidgets import QApplication

    from ui.worker import Worker

    tops = QApplication.topLevelWidgets()
    workers = [w for top in tops for w in top.findChildren(Worker)]
    pending = [getattr(d, "checking", False) for d in tops if hasattr(d, "live_checks")]
    return all(w.outstanding == 0 for w in workers) and not any(pending)


def run(rounds: int, slow: float = SLOW_S) -> dict[str, list[float]]:
    from bench_live import Stalls, latency, wait_for
    from bench_tracker import run_loop
    from sqlalchemy import select

    from hvdesk.clock import SystemClock
    from hvdesk.db import Database
    from hvdesk.demo import load_demo
    from hvdesk.models import Role, UserAccount
    from hvdesk.services.base import Actor
    from ui import dialogs
    from ui.app import build_window, create_application
    from ui.services import AppServices

    create_application([])
    dialogs.ask = lambda *a: True
    dialogs.tell = lambda *a, **k: None
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='hvdesk-screens-')) / 'bench.sqlite3'}"
    db = Database(url)
    clock = SystemClock()
    load_demo(db, clock)
    with db.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
    window = build_window(AppServices.build(db, clock), Actor(user.id, user.display_name, "office"))
    assert Role.OFFICE.value == "office"
    window.resize(1280, 720)
    window.show()
    window.show_panel("Calendar")
    wait_for(lambda: _quiet(window), 30.0)
    run_loop(300)
    stalls = Stalls()
    figures: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, act, undo in _actions(window):
            with latency(db, slow):
                stalls.start()
                act()
                wait_for(lambda: _quiet(window), 30.0)
                run_loop(50)
                figures.setdefault(name, []).append(stalls.stop())
                undo()
                wait_for(lambda: _quiet(window), 30.0)
            run_loop(50)
        for dialog in [d for d in window.findChildren(object) if hasattr(d, "live_checks")]:
            dialog.close()
    window.close()
    return figures


def versus(base: Path, pairs: int, rounds: int) -> None:
    """Alternating before/after processes, one pair at a time: medians per side."""
    here = Path(__file__).resolve()
    sides = {"before": base / "bench" / here.name, "after": here}
    got: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for _ in range(pairs):
        for side, script in sides.items():
            out = subprocess.run(
                [sys.executable, str(script), "--rounds", str(rounds), "--json"],
                cwd=script.parent.parent,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for name, values in json.loads(out.strip().splitlines()[-1]).items():
                got[side].setdefault(name, []).extend(values)
    print(f"longest GUI stall, {SLOW_S * 1000:.0f} ms per statement ({pairs} alternating pairs):")
    for name in got["after"]:
        print(
            f"  {name:<38} before {_side(got['before'].get(name, []))}   after "
            f"{_side(got['after'][name])}   n={len(got['after'][name])}"
        )


def _side(values: list[float]) -> str:
    """One side's median and max, or 'not measured' (a figure the other checkout lacks)."""
    if not values:
        return "not measured (no such figure)"
    return f"median {statistics.median(values):5.0f} ms (max {max(values):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--vs", type=Path, help="a checkout of the code before")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument(
        "--slow", type=float, default=SLOW_S, help="seconds per statement (0: the layout alone)"
    )
    args = parser.parse_args()
    if args.vs:
        versus(args.vs, args.pairs, args.rounds)
        return 0
    figures = run(1 if args.quick else args.rounds, args.slow)
    if args.json:
        print(json.dumps(figures))
        return 0
    for name, values in figures.items():
        report(
            f"screens: longest GUI stall, {name}, {args.slow * 1000:.0f} ms per statement",
            values,
            "ms",
            50,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
