"""Closing while this seat's writes are not yet recorded (issue 9): the person is told which, in
words, and chooses to wait or to close anyway; closed anyway, what was dropped is logged by name
and the writes are still tried in the background, so none is silently lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from hvdesk.models import Incident
from hvdesk.services.incidents import IncidentInput, IncidentService
from tests.ui.test_tracker_ui import ctrl_of, select_in_board
from tests.ui.test_tracker_writes import events_of, on_site
from tests.ui.waiting import each_statement, settle
from ui.tracker.saving import save

pytestmark = pytest.mark.ui


@contextmanager
def database_not_answering(db) -> Iterator[threading.Event]:
    """Every statement from a worker thread waits until the event is set (a server that does not
    answer); set on the way out whatever happened."""
    answers = threading.Event()

    def before(_conn, _cursor, _sql, *_a) -> None:
        if threading.current_thread() is not threading.main_thread():
            answers.wait(60)

    with each_statement(db, before):
        try:
            yield answers
        finally:
            answers.set()


def incidents(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Incident.id)))


def test_closing_with_writes_not_yet_recorded_asks_and_loses_none(
    window, qtbot, answers, caplog
):
    db = window.services.db
    window._backup_timer.stop()  # the day's backup is not this test's
    settle(qtbot)
    visit = on_site(window)
    select_in_board(window, visit.id)
    name = visit.household.name
    events, recorded = events_of(db, visit.id), incidents(db)
    window.closing_guard.wait_ms = 0  # the wait has run out: asked at once (no wall clock)
    service = IncidentService(db, window.services.clock)
    incident = IncidentInput(occurred_at=window.services.clock.now(), what="Dog loose")
    with database_not_answering(db) as answering:
        window.today.buttons["check_in"].click()  # on the write worker: not answered
        save(  # a form's save, queued behind it
            window.writer, lambda: service.record(window.actor, incident), lambda _o: None,
            what="incident",
        )  # fmt: skip
        answers["reply"] = [False]  # "No": wait
        window.close()
        assert window.isVisible()  # still open, still monitoring
        title, text = answers["asked"][-1]
        assert title == "Changes not yet recorded"
        assert text.startswith("2 changes not yet recorded: the database is not answering.")
        assert f"• check-in for {name}\n• incident" in text
        assert "keeps trying them for up to 10 seconds" in text and "lost" in text
        assert "not yet recorded" in window.statusBar().currentMessage()
        answers["reply"] = [True]  # "Yes": close anyway
        with caplog.at_level(logging.WARNING, logger="ui.closing"):
            window.close()
        assert not window.isVisible()
        logged = (
            "Closed anyway with 2 changes not yet recorded (tried until hvdesk exits, then lost): "
            f"check-in for {name}; incident"
        )
        assert logged in caplog.text
        answering.set()  # the database answers again: both are recorded, none dropped
        qtbot.waitUntil(lambda: incidents(db) == recorded + 1, timeout=10_000)
    assert events_of(db, visit.id) == events + 1
    assert not ctrl_of(window).writer.pending


def test_after_the_exit_deadline_abandoned_writes_are_dropped_not_waited_for(qtbot, caplog):
    """Review 9d #2: past finish_abandoned's deadline the queued writes are dropped (Qt's pool
    would otherwise run each of them before the process could exit) and logged by name."""
    from ui import worker as worker_module

    writer = worker_module.Worker(finish_queued=True)
    hang, ran = threading.Event(), []
    writer.submit(lambda: hang.wait(30), what="check-in for the Begum family")
    writer.submit(lambda: ran.append("incident"), what="incident for the Begum family")
    qtbot.waitUntil(lambda: writer.pool.activeThreadCount() == 1)
    writer.abandon()
    pool = writer.pool
    try:
        with caplog.at_level(logging.ERROR):
            assert worker_module.finish_abandoned(100) is False  # the check-in still hangs
        said = caplog.text
        assert "check-in for the Begum family" in said and "incident for the Begum family" in said
        assert "lost" in said
    finally:
        hang.set()
    assert pool.waitForDone(5_000)
    assert ran == []  # dropped, not run after the deadline


EXITING = """
import sys, threading
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.worker import Worker, exit_without_waiting, finish_abandoned
writer = Worker(finish_queued=True)
never, running = threading.Event(), threading.Event()  # a database that never answers
writer.submit(lambda: (running.set(), never.wait(600)), what="check-in for the Begum family")
writer.submit(lambda: never.wait(600), what="incident")
assert running.wait(60) and writer.pool.activeThreadCount() == 1  # the first one hangs
writer.abandon()
if not finish_abandoned(200):
    exit_without_waiting(3)
sys.exit(0)
"""


def test_hvdesk_exits_without_waiting_for_a_write_that_never_ends(tmp_path):
    """Review 9d #2, the process as run_gui ends it: out without waiting for the hung write
    (600 s) or each queued one in turn; a wait would raise TimeoutExpired at 120 s."""
    import os
    import subprocess
    import sys

    script = tmp_path / "exiting.py"
    script.write_text(EXITING)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 3, done.stderr
    assert "check-in for the Begum family; incident" in done.stderr


def _named_writes() -> list[tuple[str, int, str]]:
    """Every write submitted in ui/ (save(), a writer's submit): where, and what names it."""
    import ast
    from pathlib import Path

    found = []
    for path in sorted(Path("ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_save = isinstance(func, ast.Name) and func.id == "save" and len(node.args) >= 3
            is_submit = (
                isinstance(func, ast.Attribute)
                and func.attr == "submit"
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "writer"
            )
            if not (is_save or is_submit):
                continue
            what = next((k.value for k in node.keywords if k.arg == "what"), None)
            words = "" if what is None else ast.unparse(what)
            found.append((str(path), node.lineno, words))
    return found


def test_every_write_is_named_in_words_for_the_close_question():
    """Review 9d #3: a write without `what` was listed as 'save.<locals>.<lambda>'."""
    writes = _named_writes()
    assert len(writes) >= 8
    unnamed = [(p, n) for p, n, words in writes if words in ("", "''", '""')]
    assert unnamed == []


def test_a_form_and_a_lock_are_named_with_whose_they_are(window, qtbot, answers):
    """Review 9d #3: '• outcome' and '• audit: ' said nothing about what was not recorded."""
    from PySide6.QtWidgets import QLabel, QWidget

    from ui.dialog_save import DialogSave
    from ui.session_lock import SessionLockFeature

    db = window.services.db
    window._backup_timer.stop()
    settle(qtbot)
    form = QWidget()
    qtbot.addWidget(form)
    with database_not_answering(db) as answering:
        saving = DialogSave(form, QLabel(), {}, "outcome", window.writer)
        saving.run(lambda: incidents(db), lambda _r: None, about="the Begum family")
        window.feature(SessionLockFeature).lock.lock("signed_out")
        left = window.writer.not_done()
        answering.set()
        qtbot.waitUntil(lambda: not window.writer.pending, timeout=10_000)
    assert "outcome for the Begum family" in left
    assert any(w.startswith("the record that this seat was signed out") for w in left)
    for words in left:
        assert words.strip() and "<" not in words and "lambda" not in words
        assert not words.startswith("audit:")


def test_closed_anyway_to_the_tray_asks_again_at_the_trays_quit(window, qtbot, monkeypatch):
    """Review 9d #4: 'close anyway' then 'keep monitoring in the tray' left the writer not
    waiting, so the tray's Quit later skipped the question and the wait."""
    from PySide6.QtGui import QCloseEvent

    from ui import dialogs
    from ui.tracker.feature import CloseGuard

    db = window.services.db
    window._backup_timer.stop()
    settle(qtbot)
    ctrl_of(window).tray.available = True
    window.closing_guard.wait_ms = 0
    asked: list[str] = []

    def ask(_parent, title, _text):
        asked.append(title)
        return title != "Keep monitoring?"  # close anyway; then: keep monitoring in the tray

    monkeypatch.setattr(dialogs, "ask", ask)
    monkeypatch.setattr(dialogs, "ask_safe", ask)
    visit = on_site(window)
    select_in_board(window, visit.id)
    guard = window.findChild(CloseGuard)
    with database_not_answering(db):
        window.today.buttons["check_in"].click()
        # the close box: ui/closing first (yes, close anyway), then the tracker's: to the tray
        assert window.closing_guard.eventFilter(window, QCloseEvent()) is False
        guard.to_tray()
        qtbot.waitUntil(lambda: window.writer.waits, timeout=2_000)
        asked.clear()
        guard.quit()  # later: the tray's Quit, the check-in still not recorded
        assert "Changes not yet recorded" in asked


def test_writes_recorded_while_the_question_is_open_are_not_listed_after_it(
    window, qtbot, monkeypatch, caplog
):
    """Review 9d #7: the list was read before the question; the database may answer while it
    is open. Acted on (and logged) as it is after the answer: nothing left, the window closes."""
    from ui import dialogs

    db = window.services.db
    window._backup_timer.stop()
    settle(qtbot)
    window.closing_guard.wait_ms = 0
    visit = on_site(window)
    select_in_board(window, visit.id)
    asked: list[str] = []
    with database_not_answering(db) as answering:

        def ask(_parent, title, _text):
            asked.append(title)
            answering.set()  # the database answers while the question is open
            assert window.writer.pool.waitForDone(10_000)
            return False  # "No: wait"

        monkeypatch.setattr(dialogs, "ask", ask)
        monkeypatch.setattr(dialogs, "ask_safe", ask)
        window.today.buttons["check_in"].click()
        with caplog.at_level(logging.WARNING, logger="ui.closing"):
            closed = window.close()
    assert asked == ["Changes not yet recorded"]
    assert closed and not window.isVisible()  # nothing left to wait for: closed
    assert "Closed anyway" not in caplog.text


class SessionManager:
    """What QSessionManager offers commitDataRequest (a sign-out or shutdown)."""

    cancelled = released = False

    def __init__(self, interaction: bool = True) -> None:
        self.interaction = interaction

    def allowsInteraction(self) -> bool:
        return self.interaction

    def cancel(self) -> None:
        self.cancelled = True

    def release(self) -> None:
        self.released = True


def test_session_end_with_writes_not_recorded_waits_and_never_asks_without_limit(
    window, qtbot, answers, caplog
):
    """Review 9d #8: a sign-out or shutdown while this seat's writes are not yet recorded (and
    nobody out) is asked to wait, the writes are logged by name, and the close the session then
    tries does not put up a question that waits for ever."""
    from ui.office_pc import OfficePcFeature

    db = window.services.db
    window._backup_timer.stop()
    settle(qtbot)
    window.closing_guard.wait_ms = 50  # the close waits (an event loop) before it decides
    duty = window.feature(OfficePcFeature).duty_keeper
    visit = on_site(window)
    select_in_board(window, visit.id)
    name = visit.household.name
    with database_not_answering(db):
        window.today.buttons["check_in"].click()
        duty.staff = 0  # nobody out: only the write is left
        manager = SessionManager()
        with caplog.at_level(logging.WARNING):
            duty.commit_data(manager)
            window.close()  # what Qt does next at a session end that allows interaction
        assert manager.cancelled and manager.released
        assert f"check-in for {name}" in caplog.text
        assert answers["asked"] == []  # no modal question during the session's end
        assert window.isVisible()  # the shutdown was asked to wait: the write is still tried


def test_exiting_waits_for_the_backup_under_way_beyond_the_writes_bound(qtbot, caplog):
    """Review of issue 9 #1: a slow backup (the window's file worker) is not cut off at the
    database's exit bound, nor taken for a hung write that makes hvdesk exit without waiting:
    it is waited for with its own, longer bound, and only a hung write returns False."""
    from ui import worker as worker_module

    files = worker_module.Worker(exit_wait_ms=20_000)
    started, finished = threading.Event(), threading.Event()

    def slow_backup() -> None:  # longer than the writes' bound below, far within its own
        started.set()
        threading.Event().wait(0.5)
        finished.set()

    files.submit(slow_backup, what="today's backup")
    assert started.wait(5)
    files.abandon()
    with caplog.at_level(logging.ERROR):
        assert worker_module.finish_abandoned(100) is True
    assert finished.is_set()
    assert "lost" not in caplog.text and "background read" not in caplog.text
