"""The Visits screen at any history size: first rows and every filter, on the real panel.

    .venv/bin/python bench/bench_visits.py [--visits 50000] [--db FILE] [--runs 7] [--quick]

Times, from the screen asking (open, or a filter changed) to the page being in the table (the
query runs on the background worker; the figure includes the hand-over both ways): the first
rows, a common and a rare status, a household, a postcode every household shares, and text that
matches nothing. Targets at 200,000 visits: first rows < 100 ms, any filter < 200 ms. Also the
memory the screen holds after the broadest filter (it must not grow with the match count).
--db uses an existing database (bench/run.py passes one per size); --quick: 200 visits, 1 run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")

import psutil
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from bench.figures import report
from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.models import Visit


def _wait_for_page(panel, change) -> float:  # type: ignore[no-untyped-def]
    """Seconds from `change()` to the first page being in the model."""
    loop = QEventLoop()
    panel.model.page_loaded.connect(loop.quit)
    QTimer.singleShot(30_000, loop.quit)
    started = time.perf_counter()
    change()
    if panel.model.loading:
        loop.exec()
    took = time.perf_counter() - started
    panel.model.page_loaded.disconnect(loop.quit)
    return took


ASCENDING = Qt.SortOrder.AscendingOrder


def measure(db: Database, runs: int) -> None:
    from ui.panels.visits import VisitsPanel
    from ui.services import AppServices

    app = QApplication.instance() or QApplication([])
    with db.read() as s:
        size = s.scalar(select(func.count(Visit.id))) or 0
        family = s.scalar(select(func.min(Visit.household_id)))
        visited = func.count(Visit.id)
        rare = s.execute(  # the home with the fewest visits: a walk of the decade finds it last
            select(Visit.household_id, visited).group_by(Visit.household_id).order_by(visited)
        ).first()
    services = AppServices.build(db, SystemClock())
    panel = VisitsPanel(services.visits)
    panel.resize(1200, 700)
    panel.show()
    app.processEvents()
    household = services.households.get(family).name if family else "Family"
    rare_name = services.households.get(rare[0]).name if rare else "Family"

    def status(value: str | None):  # type: ignore[no-untyped-def]
        return lambda: panel.status.setCurrentIndex(panel.status.findData(value))

    def typed(text: str):  # type: ignore[no-untyped-def]
        return lambda: panel.search.setText(text)

    cases = [
        ("first rows (screen opened)", panel.refresh, 100),
        ("filter: status Completed", status("completed"), 200),
        ("filter: status Draft (rare)", status("draft"), 200),
        (f"filter: household '{household}'", typed(household), 200),
        (
            f"filter: household '{rare_name}' ({rare[1] if rare else 0} visits, rare)",
            typed(rare_name),
            200,
        ),
        ("filter: postcode 'B17' (broad)", typed("B17"), 200),
        ("filter: text matching nothing", typed("no such visit"), 200),
        ("sort: Household (header clicked)", lambda: panel.model.sort(1, ASCENDING), 200),
    ]
    for name, change, target in cases:
        samples = []
        for _ in range(runs):
            panel.search.blockSignals(True)
            panel.status.blockSignals(True)
            panel.search.setText("")
            panel.status.setCurrentIndex(0)
            panel.search.blockSignals(False)
            panel.status.blockSignals(False)
            samples.append(_wait_for_page(panel, change) * 1000)
        report(f"visits screen: {name} at {size:,} visits", samples, "ms", target)
    rss = psutil.Process().memory_info().rss
    _wait_for_page(panel, status("completed"))
    grown = (psutil.Process().memory_info().rss - rss) / 2**20
    report(
        f"visits screen: memory after 'Completed' at {size:,} visits",
        [max(grown, 0.0)],
        "MB",
        20,
    )
    panel.worker.wait()
    panel.close()
    _households_screen(services, size, runs)


def _households_screen(services, size: int, runs: int) -> None:  # type: ignore[no-untyped-def]
    """The Households screen opened (its first page read on the worker), searched (words, a
    phone number as dialled, a known risk's words) and sorted by a column of its own."""
    from hvdesk.models import Role
    from hvdesk.services.base import Actor
    from ui.panels.households import HouseholdsPanel

    panel = HouseholdsPanel(services.households, Actor(0, "bench", Role.OFFICE.value))
    panel.resize(1200, 700)
    panel.show()
    for name, change in (
        ("first rows (screen opened)", panel.refresh),
        ("search 'road'", lambda: panel.search.setText("road")),
        ("search '0121 496' (phone)", lambda: panel.search.setText("0121 496")),
        ("search 'dog' (known risk)", lambda: panel.search.setText("dog")),
        ("sort: Known risks (header clicked)", lambda: panel.model.sort(4, ASCENDING)),
    ):
        samples = []
        for _ in range(runs):
            panel.search.blockSignals(True)
            panel.search.setText("")
            panel.search.blockSignals(False)
            samples.append(_wait_for_page(panel, change) * 1000)
        report(f"households screen: {name} at {size:,} visits", samples, "ms", 100)
    panel.worker.wait()
    panel.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--db", help="an existing hvdesk database to measure")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 200 visits, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.visits, args.runs = 200, 1
    if args.db:
        db = Database(f"sqlite:///{args.db}")
        measure(db, args.runs)
        db.dispose()
        return 0
    from bench.school import build_history
    from hvdesk.demo import load_demo

    with tempfile.TemporaryDirectory(prefix="hvdesk-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'visits.sqlite3'}")
        load_demo(db, SystemClock())
        build_history(db, args.visits)
        measure(db, args.runs)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
