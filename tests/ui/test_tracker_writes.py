"""This seat's own presses never freeze the window: they are saved on the write worker.

A slow database is every statement made slower on the engine (as bench/bench_live.py does); a
write held half-way is a service call blocked on a threading.Event the test releases. The test
waits with qtbot.waitSignal / waitUntil and the workers' own wait, never a sleep of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from hvdesk.db import Database
from hvdesk.models import Event
from hvdesk.rules.actions import Action
from tests.ui.test_tracker_ui import click, ctrl_of, select_in_board
from tests.ui.waiting import each_statement, holding, returns_while_held, settle
from ui.a11y import ValueLabel
from ui.tracker.feature import TrackerFeature

pytestmark = pytest.mark.ui

SLOW_S = 0.2  # per statement: a database across a slow network


@contextmanager
def slow(db: Database, seconds: float = SLOW_S) -> Iterator[list[str]]:
    """Every statement waits `seconds` first, on whichever thread sends it; yields the statements
    sent from the GUI thread (each one a freeze of at least `seconds`). A press made with
    tests/ui/waiting.returns_while_held holds the other threads' statements back meanwhile."""
    on_gui_thread: list[str] = []

    with holding(db) as hold:

        def before(_conn: object, _cursor: object, sql: str, *_a: object) -> None:
            if threading.current_thread() is threading.main_thread():
                on_gui_thread.append(sql)
            hold.wait(sql)
            time.sleep(seconds)  # the database's latency, on the thread that asked

        with each_statement(db, before):
            yield on_gui_thread


@contextmanager
def failing_writes(db: Database) -> Iterator[None]:
    """Statements that write fail as a lost connection does, half-way through the transaction
    (the reads before them succeed)."""

    def before(_conn: object, _cursor: object, sql: str, *_a: object) -> None:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise OperationalError(sql[:40], {}, Exception("server closed the connection"))

    with each_statement(db, before):
        yield


class Beats:
    """A 10 ms timer on the GUI thread: how often it fired while something was pending. (The
    longest gap is bench/bench_live.py's figure: on a shared test machine it measures the load.)"""

    def __init__(self, pending) -> None:
        self.pending = pending
        self.during = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _beat(self) -> None:
        self.during += bool(self.pending())

    def stop(self) -> None:
        self.timer.stop()


def events_of(db: Database, visit_id: int) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.visit_id == visit_id))


def on_site(window):
    return next(r.visit for r in ctrl_of(window).board.rows if r.visit.status == "on_site")


def saving_label(window) -> ValueLabel:
    return window.statusBar().findChild(ValueLabel, "saving_status")


def test_a_check_in_on_a_slow_database_keeps_the_window_answering(window, qtbot):
    ctrl, today = ctrl_of(window), window.today
    window._backup_timer.stop()  # the day's backup (and its status line) is not this test's
    settle(qtbot)  # nor one already under way
    visit = on_site(window)
    select_in_board(window, visit.id)
    before = len(ctrl.board.row(visit.id).events)
    name = visit.household.name
    with slow(ctrl.services.db) as on_gui_thread:
        beats = Beats(lambda: Action.CHECK_IN in ctrl.actions.pending)
        with qtbot.waitSignal(ctrl.actions.recorded, timeout=30_000):
            answered = returns_while_held(ctrl.services.db, today.buttons["check_in"].click)
            assert today.action_hint.text() == f"Saving check-in for {name}…"
            assert saving_label(window).text() == f"Saving check-in for {name}…"
            assert saving_label(window).isVisibleTo(window)
            assert not today.buttons["check_in"].isEnabled()  # not pressed twice
            assert today.buttons["duress"].isEnabled()  # a duress is never held up
        qtbot.waitUntil(lambda: len(ctrl.board.row(visit.id).events) > before, timeout=30_000)
        beats.stop()
    # The click came back while the statements it started were still held back, the timer
    # kept firing while the check-in was being saved, and no statement of the write, of the read
    # of what changed or of the reload of the visit ran on the GUI thread.
    assert answered
    assert beats.during >= 3
    assert on_gui_thread == []
    assert today.action_hint.text().startswith(f"Record for {name}")
    assert not saving_label(window).isVisibleTo(window)
    assert today.buttons["check_in"].isEnabled()


def test_a_database_error_during_a_check_in_says_so_and_records_nothing(window, qtbot, answers):
    ctrl, today = ctrl_of(window), window.today
    db = ctrl.services.db
    visit = on_site(window)
    select_in_board(window, visit.id)
    with db.read() as s:
        all_before = s.scalar(select(func.count()).select_from(Event))
    before = events_of(db, visit.id)
    with failing_writes(db), qtbot.waitSignal(ctrl.actions.failed, timeout=10_000) as failed:
        today.buttons["check_in"].click()
    text = "The database is not answering: the check-in was NOT recorded. Try again."
    assert failed.args[0].startswith(text)
    title, told, kind = answers["told"][-1]
    assert title == "Check in: not recorded" and told.startswith(text) and kind == "error"
    assert "Traceback" not in told
    with db.read() as s:  # nothing half-saved: not the event, not its audit trail
        assert s.scalar(select(func.count()).select_from(Event)) == all_before
    assert events_of(db, visit.id) == before
    assert today.buttons["check_in"].isEnabled()  # try again
    assert "Saving" not in today.action_hint.text()
    with qtbot.waitSignal(ctrl.actions.recorded, timeout=10_000):
        today.buttons["check_in"].click()
    assert events_of(db, visit.id) == before + 1


@contextmanager
def held(obj: object, name: str, monkeypatch, order: list[str]) -> Iterator[threading.Event]:
    """`obj.name` waits on the worker until the test releases it; every call is noted in order."""
    release = threading.Event()
    real = getattr(obj, name)

    def blocked(*args, **kwargs):
        order.append(name)
        assert release.wait(10), "never released"
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, blocked)
    try:
        yield release
    finally:
        release.set()


def noted(obj: object, name: str, monkeypatch, order: list[str]) -> None:
    real = getattr(obj, name)

    def call(*args, **kwargs):
        order.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, call)


def test_a_duress_goes_before_the_writes_still_queued(window, qtbot, monkeypatch):
    """A check-in is being written, an office call waits its turn: the duress pressed after them
    is written next, before the office call; the check-in is not interrupted."""
    ctrl = ctrl_of(window)
    rows = [
        r.visit for r in ctrl.board.rows if r.visit.status == "on_site" and not r.open_alarm_ids
    ]
    first, second = rows[0], (rows[1] if len(rows) > 1 else rows[0])
    order: list[str] = []
    noted(ctrl.tracker, "office_call", monkeypatch, order)
    noted(ctrl.tracker, "duress", monkeypatch, order)
    with held(ctrl.tracker, "check_in", monkeypatch, order) as release:
        ctrl.actions.check_in(first.id, window)
        qtbot.waitUntil(lambda: order == ["check_in"])  # running on the worker
        ctrl.actions.office_call(second.id, True, window)
        ctrl.actions.duress(second.id, window)
        assert ctrl.actions.pending == {Action.CHECK_IN, Action.OFFICE_CALL, Action.DURESS}
        release.set()
    settle(qtbot)
    assert order == ["check_in", "duress", "office_call"]
    assert ctrl.actions.pending == frozenset()
    aw = ctrl.window_for_visit(second.id)
    assert aw is not None and aw.detail.alarm.level == "duress"


def test_a_second_press_while_saving_is_the_same_request(window, qtbot, monkeypatch):
    """The key pressed twice while the first is being saved records one check-in, not two."""
    ctrl = ctrl_of(window)
    visit = on_site(window)
    select_in_board(window, visit.id)
    action = window.feature(TrackerFeature).toolbar_actions["Check in"]
    before = events_of(ctrl.services.db, visit.id)
    order: list[str] = []
    with held(ctrl.tracker, "check_in", monkeypatch, order) as release:
        action.trigger()
        action.trigger()
        release.set()
    settle(qtbot)
    assert order == ["check_in"]
    assert events_of(ctrl.services.db, visit.id) == before + 1


def test_the_alarm_window_says_saving_and_takes_no_other_press_meanwhile(
    window, qtbot, monkeypatch
):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    order: list[str] = []
    with held(ctrl.alarm_service, "acknowledge", monkeypatch, order) as release:
        aw.take_button.click()
        qtbot.waitUntil(lambda: order == ["acknowledge"])
        assert aw.saving.isVisibleTo(aw) and aw.saving.text() == "Saving the ownership…"
        assert not aw.take_button.isEnabled()
        release.set()
    settle(qtbot)
    assert not aw.saving.isVisibleTo(aw)
    assert "You are handling this" in aw.owner_label.text()
    assert aw.resolve_button.isEnabled()


def test_a_resolution_the_database_did_not_take_keeps_what_was_typed(window, qtbot):
    ctrl = ctrl_of(window)
    aw = next(iter(ctrl.windows.values()))
    click(qtbot, aw.take_button)
    aw.resolution_buttons["safe_forgot"].setChecked(True)
    aw.notes.setText("rang her at 10:20, she had forgotten to call")
    with failing_writes(ctrl.services.db):
        aw.resolve_button.click()
        settle(qtbot)
    assert "The database is not answering: the resolution was NOT recorded" in aw.errors.text()
    assert "What you typed is kept" in aw.errors.text()
    assert aw.notes.text() == "rang her at 10:20, she had forgotten to call"
    assert aw.resolution_buttons["safe_forgot"].isChecked()
    assert aw.resolve_button.isEnabled() and not aw.saving.isVisibleTo(aw)
    assert ctrl.windows.get(aw.alarm_id) is aw  # still open: nothing was resolved


def test_presses_are_written_in_the_order_pressed_even_behind_a_question(
    window, qtbot, monkeypatch, answers
):
    """'Arrived' reads whether a parent must be present before it asks; the check-in pressed
    meanwhile waits for the arrival's write, so it is not refused as 'not arrived yet'."""
    ctrl = ctrl_of(window)
    visit = next(r.visit for r in ctrl.board.rows if r.visit.status == "out")
    order: list[str] = []
    noted(ctrl.tracker, "arrive", monkeypatch, order)
    noted(ctrl.tracker, "check_in", monkeypatch, order)
    with held(ctrl.tracker, "needs_parent_present", monkeypatch, order) as release:
        ctrl.actions.arrive(visit.id, window)
        ctrl.actions.check_in(visit.id, window)
        assert ctrl.actions.pending == {Action.ARRIVE, Action.CHECK_IN}
        release.set()
    settle(qtbot)
    assert order == ["needs_parent_present", "arrive", "check_in"]
    assert answers["told"] == []  # neither refused
    assert ctrl.services.visits.get(visit.id).status == "on_site"


@pytest.mark.parametrize("finish_queued", [True, False])
def test_closing_finishes_the_writes_already_pressed(qtbot, finish_queued):
    """The write worker (finish_queued) still makes a write queued when the window closes; the
    reader drops its queued reads (nobody will look at them)."""
    from ui.worker import Worker

    worker = Worker(finish_queued=finish_queued)
    gate, ran = threading.Event(), []
    worker.submit(lambda: gate.wait(10), what="check-in")  # running
    worker.submit(lambda: ran.append("queued"), what="incident")  # waiting its turn
    wait_for_done = worker.pool.waitForDone

    def release_then_wait(msecs: int) -> bool:  # the running job ends once shutdown has decided
        gate.set()
        return wait_for_done(msecs)

    worker.pool.waitForDone = release_then_wait
    assert worker.shutdown()
    assert ran == (["queued"] if finish_queued else [])


@contextmanager
def busy_reader(window) -> Iterator[threading.Event]:
    """A slow screen read holds the window's reader until the test releases it."""
    gate = threading.Event()
    window.worker.submit(lambda: gate.wait(30))
    try:
        yield gate
    finally:
        gate.set()


def test_a_duress_opens_its_alarm_window_without_waiting_for_the_reader(window, qtbot):
    """The reader is busy with a slow read: the duress's window opens as soon as it is written
    (read back on the write worker), not after that read."""
    ctrl = ctrl_of(window)
    settle(qtbot)
    visit = next(
        r.visit for r in ctrl.board.rows if r.visit.status == "on_site" and not r.open_alarm_ids
    )
    with busy_reader(window) as gate:
        ctrl.actions.duress(visit.id, window)
        qtbot.waitUntil(lambda: ctrl.window_for_visit(visit.id) is not None, timeout=5_000)
        assert not gate.is_set()  # the reader is still on its slow read
        aw = ctrl.window_for_visit(visit.id)
        assert aw is not None and aw.detail.alarm.level == "duress" and aw.isVisible()
    settle(qtbot)
    assert ctrl.window_for_visit(visit.id) is aw  # the later reload updates, never duplicates


def test_an_alarm_press_shows_at_once_while_the_reader_is_busy(window, qtbot):
    """'I'm handling this' is recorded: the window shows the new owner and takes presses again
    at once, not after the reads queued on the reader."""
    ctrl = ctrl_of(window)
    settle(qtbot)
    aw = next(iter(ctrl.windows.values()))
    with busy_reader(window) as gate:
        with qtbot.waitSignal(ctrl.recorded, timeout=5_000):
            aw.take_button.click()
        qtbot.waitUntil(lambda: not aw.saving.isVisibleTo(aw), timeout=5_000)
        assert not gate.is_set()
        assert "You are handling this" in aw.owner_label.text()
        assert aw.resolve_button.isEnabled()
    settle(qtbot)
    assert "You are handling this" in aw.owner_label.text()


def test_one_visits_check_in_saving_leaves_the_other_visits_buttons_on(window, qtbot, monkeypatch):
    """While Clarke's check-in is saved, another visit's 'Check in OK' stays on and the hint
    names whom it records for; Clarke's own button is off and says 'Saving …'."""
    ctrl, today = ctrl_of(window), window.today
    settle(qtbot)
    a, b = [r.visit for r in ctrl.board.rows if r.visit.status == "on_site"][:2]
    order: list[str] = []
    with held(ctrl.tracker, "check_in", monkeypatch, order) as release:
        select_in_board(window, a.id)
        today.buttons["check_in"].click()
        qtbot.waitUntil(lambda: order == ["check_in"])
        assert not today.buttons["check_in"].isEnabled()
        assert today.action_hint.text().startswith("Saving check-in for")
        select_in_board(window, b.id)
        assert today.buttons["check_in"].isEnabled()
        assert not today.action_hint.text().startswith("Saving")
        release.set()
    settle(qtbot)


def test_closing_sends_the_writes_held_behind_a_question_and_logs_the_question(
    window, qtbot, monkeypatch, caplog
):
    """'Arrived' is reading whether a parent must be present; the check-in pressed meanwhile
    waits. The window closes: the check-in still goes to the write worker, and the arrival
    that could not be asked is logged at WARNING, never dropped without a word."""
    ctrl = ctrl_of(window)
    visit = next(r.visit for r in ctrl.board.rows if r.visit.status == "out")
    order: list[str] = []
    noted(ctrl.tracker, "check_in", monkeypatch, order)
    with held(ctrl.tracker, "needs_parent_present", monkeypatch, order) as release:
        ctrl.actions.arrive(visit.id, window)
        ctrl.actions.check_in(visit.id, window)
        qtbot.waitUntil(lambda: order == ["needs_parent_present"])
        release.set()
        ctrl.writer.wait()  # the read is done; its answer has not reached the window
        with caplog.at_level("WARNING"):
            ctrl.stop()
            settle(qtbot)
    assert order == ["needs_parent_present", "check_in"]
    assert any("Arrived" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_work_refused_after_shutdown_is_logged(qtbot, caplog):
    from ui.worker import Worker

    worker = Worker()
    worker.shutdown()
    ran: list[str] = []
    with caplog.at_level("WARNING"):
        worker.submit(lambda: ran.append("late"))
    assert worker.wait() and ran == []
    assert any("not done" in r.getMessage() for r in caplog.records)


def test_closing_with_a_save_pending_says_so_and_keeps_the_window_answering(
    window, qtbot, monkeypatch
):
    """A check-in is still being written as the window closes: the status bar says 'Saving 1
    record before closing…', the window goes on handling events meanwhile (the GUI thread is
    not blocked on the worker) and the check-in lands."""
    ctrl = ctrl_of(window)
    visit = on_site(window)
    before = events_of(ctrl.services.db, visit.id)
    order: list[str] = []
    seen: list[str] = []
    with held(ctrl.tracker, "check_in", monkeypatch, order) as release:
        ctrl.actions.check_in(visit.id, window)
        qtbot.waitUntil(lambda: order == ["check_in"])

        def during_close() -> None:  # runs only if the GUI thread handles events meanwhile
            seen.append(window.statusBar().currentMessage())
            release.set()

        QTimer.singleShot(0, during_close)
        ctrl.stop()
    assert seen == ["Saving 1 record before closing…"]
    assert ctrl.writer.outstanding == 0
    assert events_of(ctrl.services.db, visit.id) == before + 1


def test_a_take_the_database_did_not_record_does_not_mention_typing(window, qtbot):
    """Nothing is typed to take an alarm: the message says it was not recorded, not that what
    was typed is kept."""
    ctrl = ctrl_of(window)
    settle(qtbot)
    aw = next(iter(ctrl.windows.values()))
    with failing_writes(ctrl.services.db):
        aw.take_button.click()
        settle(qtbot)
    assert "the ownership was NOT recorded" in aw.errors.text()
    assert "What you typed is kept" not in aw.errors.text()


def test_a_locked_database_file_is_named_as_such():
    """SQLite's 'database is locked': another program holds the file, not the network."""
    from ui.tracker.saving import attempt, not_recorded

    def locked() -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    outcome = attempt(locked)
    assert not outcome.recorded and outcome.locked
    text = not_recorded("check-in", outcome)
    assert "The database file is locked by another program" in text
    assert "network" not in text
