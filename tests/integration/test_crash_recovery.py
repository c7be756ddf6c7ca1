"""The database is the truth: kill a process mid-recording, start the app, the alarm is raised.

A child process records a visit's events (departed, arrived, then check-ins as fast as it can) and
is killed with SIGKILL while it writes. Every event it reported committed must still be there, the
file must be sound, and the app started on the same database must raise the lapse at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hvdesk.clock import FakeClock
from hvdesk.db import Database
from hvdesk.models import Event, Role, UserAccount
from hvdesk.services.base import Actor

pytestmark = [
    pytest.mark.slow,
    pytest.mark.ui,
    pytest.mark.skipif(
        sys.platform == "win32", reason="kills the writer with signal.SIGKILL (POSIX only)"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
COMMITTED_BEFORE_KILL = 40

CHILD = """
import sys
from datetime import UTC, datetime, timedelta
from sqlalchemy import select
from hvdesk.clock import FakeClock
from hvdesk.db import Database
from hvdesk.demo import load_demo
from hvdesk.models import UserAccount, Visit, VisitStatus
from hvdesk.services.base import Actor
from hvdesk.services.tracker import TrackerService

db = Database(sys.argv[1])
clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
load_demo(db, clock)
with db.read() as s:
    user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
    visit = s.scalars(
        select(Visit).where(Visit.status == VisitStatus.APPROVED).order_by(Visit.start)
    ).first()
actor = Actor(user.id, user.display_name, user.role)
tracker = TrackerService(db, clock)
print("VISIT", visit.id, flush=True)
tracker.depart(actor, visit.id)
print("COMMITTED", tracker.change_token(), clock.now().isoformat(), flush=True)
tracker.arrive(actor, visit.id)
print("COMMITTED", tracker.change_token(), clock.now().isoformat(), flush=True)
while True:
    clock.advance(timedelta(seconds=20))
    tracker.check_in(actor, visit.id, "all fine")
    print("COMMITTED", tracker.change_token(), clock.now().isoformat(), flush=True)
"""


def run_and_kill(url: str) -> tuple[int, list[int], datetime]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    committed: list[int] = []
    last = START
    visit_id = 0
    try:
        assert child.stdout is not None
        for line in child.stdout:
            parts = line.split()
            if parts[0] == "VISIT":
                visit_id = int(parts[1])
            elif parts[0] == "COMMITTED":
                committed.append(int(parts[1]))
                last = datetime.fromisoformat(parts[2])
                if len(committed) >= COMMITTED_BEFORE_KILL:
                    os.kill(child.pid, signal.SIGKILL)  # while it keeps writing
                    break
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    return visit_id, committed, last


def test_sigkill_while_recording_keeps_every_committed_event_and_the_app_raises_the_alarm(
    tmp_path, qtbot, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'school.sqlite3'}"
    visit_id, committed, last_contact = run_and_kill(url)
    assert visit_id and len(committed) == COMMITTED_BEFORE_KILL

    db = Database(url)  # reopens (and checks the schema) after the crash
    try:
        with db.read() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            ids = set(s.scalars(select(Event.id)))
            kinds = [
                e.kind
                for e in s.scalars(
                    select(Event).where(Event.visit_id == visit_id).order_by(Event.id)
                )
            ]
            user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
        assert set(committed) <= ids  # nothing that was committed is lost
        assert kinds.count("checked_in") >= COMMITTED_BEFORE_KILL - 2
        assert "departed" in kinds and "arrived" in kinds

        # start the app on the same database, two hours after the last check-in
        from ui import dialogs
        from ui.app import build_window
        from ui.services import AppServices
        from ui.tracker.feature import TrackerFeature

        monkeypatch.setattr(dialogs, "ask", lambda *a: True)
        monkeypatch.setattr(dialogs, "tell", lambda *a, **k: None)
        clock = FakeClock(last_contact + timedelta(hours=2))
        services = AppServices.build(db, clock)
        window = build_window(services, Actor(user.id, user.display_name, Role.OFFICE.value))
        qtbot.addWidget(window)
        window.show()
        ctrl = window.feature(TrackerFeature).controller
        alarm_window = ctrl.window_for_visit(visit_id)
        assert alarm_window is not None and alarm_window.isVisible()
        assert "CHECK-IN OVERDUE" in alarm_window.windowTitle()
        report = ctrl.startup_report
        assert any(r.visit_id == visit_id for r in report.raised)
        assert "while hvdesk was not running" in window.today.startup_banner.text()
        window.close()
        assert ctrl.stopped
    finally:
        db.dispose()
