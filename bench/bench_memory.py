"""Peak memory of the whole app after opening every screen. Target < 200 MB with 50,000 visits.

    .venv/bin/python bench/bench_memory.py [--visits 50000] [--db FILE] [--quick]

Builds the signed-in main window (tracker, every feature) over the demo school plus a decade of
visits, opens each screen in the navigation in turn (waiting for the Visits list's first page and
applying its broadest filter), lets what they set going finish (the Backups screen's check of the
newest backup, the day's backup), then reads the process's peak resident memory (psutil; the
kernel's high-water mark where available). --quick: 200 visits.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")

# first, as main.py imports it: the app's memory settings precede Qt
import ui  # noqa: F401

# isort: split
import psutil
from PySide6.QtCore import QEventLoop, QTimer
from sqlalchemy import func, select

from bench.figures import report
from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.models import Role, UserAccount, Visit
from hvdesk.services.base import Actor


def _settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def measure(db: Database) -> None:
    from ui import dialogs
    from ui.app import build_window, create_application
    from ui.services import AppServices
    from ui.worker import Worker

    app = create_application([])
    dialogs.ask = lambda *a: True  # type: ignore[assignment]
    dialogs.tell = lambda *a, **k: None  # type: ignore[assignment]
    with db.read() as s:
        size = s.scalar(select(func.count(Visit.id))) or 0
        user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
    actor = Actor(user.id, user.display_name, Role.OFFICE.value)
    window = build_window(AppServices.build(db, SystemClock()), actor)
    window.resize(1280, 720)
    window.show()
    _settle()
    after_start = psutil.Process().memory_info().rss / 2**20
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        _settle()
    window.show_panel("Visits")
    window.visits.status.setCurrentIndex(window.visits.status.findData("completed"))
    for _ in range(50):
        if window.visits.model.rowCount() and not window.visits.model.loading:
            break
        _settle(100)
    # what opening the screens set going finishes first (the Backups screen checks the newest
    # backup, the day's backup copies the file): its memory is part of the peak
    for worker in (window.worker, *window.findChildren(Worker)):
        worker.wait(300_000)
    _settle()
    rss = psutil.Process().memory_info().rss / 2**20
    peak = max(rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report(f"memory: after start ({size:,} visits)", [after_start], "MB", 200)
    report(f"memory: peak after every screen ({size:,} visits)", [peak], "MB", 200)
    window.close()
    app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--db", help="an existing hvdesk database (with the demo users)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 200 visits")
    parser.add_argument("--build", help=argparse.SUPPRESS)  # (the child that builds the school)
    args = parser.parse_args()
    if args.quick:
        args.visits = 200
    if args.build:
        from bench.school import build_history
        from hvdesk.demo import load_demo

        db = Database(f"sqlite:///{args.build}")
        load_demo(db, SystemClock())
        build_history(db, args.visits)
        db.dispose()
        return 0
    if args.db:
        db = Database(f"sqlite:///{args.db}")
        measure(db)
        db.dispose()
        return 0
    with tempfile.TemporaryDirectory(prefix="hvdesk-bench-") as tmp:
        path = Path(tmp) / "memory.sqlite3"
        # built by another process: building 50,000 visits here would set the peak measured
        subprocess.run(
            [sys.executable, __file__, "--build", str(path), "--visits", str(args.visits)],
            check=True,
        )
        db = Database(f"sqlite:///{path}")
        measure(db)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
