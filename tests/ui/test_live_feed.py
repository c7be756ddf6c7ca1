"""One live picture: a change is announced once, reloads only what it touched, an idle seat is quiet.

Other seats are real second Database objects on the same SQLite file; the feed's watcher wakes on
`PRAGMA data_version` by itself (waited for with qtbot, never a sleep).
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt

from hvdesk.db import Database
from hvdesk.rules import deadlines as dl
from hvdesk.services.base import Actor
from hvdesk.services.tracker import TrackerService
from tests.ui.waiting import each_statement, idle, saved
from ui.backup_settings import BackupFeature
from ui.tracker.feature import TrackerFeature

pytestmark = pytest.mark.ui


@contextmanager
def statements(db: Database):
    """Every SQL statement the window sends (the watcher's data_version read left out)."""
    seen: list[str] = []

    def before(_conn, _cursor, sql, *_args) -> None:
        if "data_version" not in sql:
            seen.append(sql)

    with each_statement(db, before):
        yield seen


def settle(window, qtbot) -> None:
    """Let the feed announce whatever start-up wrote (alarms raised at start), and run the
    start-up backup now rather than 3 s after the window opened, inside a measurement."""
    if window._backup_timer.isActive():
        window._backup_timer.stop()
        window._start_backup()
        qtbot.waitUntil(lambda: window._backed_up_at is not None)  # done, status bar shown
    window.live.recorded()  # read on the window's reader, like start-up's other reads
    idle(window, qtbot)


def count_signal(signal) -> list[object]:
    got: list[object] = []
    signal.connect(lambda *a: got.append(a))
    return got


def test_one_click_is_one_announcement_one_reload_one_paint(window, qtbot):
    ctrl = window.feature(TrackerFeature).controller
    settle(window, qtbot)
    row = next(r for r in window.today.board_model.rows() if not r.open_alarm_ids)
    window.today.select_visit(row.visit.id)
    idle(window, qtbot)  # the selected visit's details are read before the click, not during it
    announced = count_signal(window.live.changed)
    painted = count_signal(ctrl.board_changed)
    checks = ctrl.checks
    with statements(window.services.db) as sql:
        qtbot.mouseClick(window.today.buttons["check_in"], Qt.MouseButton.LeftButton)
        idle(window, qtbot)  # saved, read and shown off the GUI thread
    assert len(announced) == 1 and announced[0][0].visit_ids == {row.visit.id}
    assert len(painted) == 1
    assert ctrl.checks == checks + 1  # just that visit re-derived
    # the write (read + insert), the audit chain's tail (lock, read, move: 3), the announcement
    # (1), that visit's row (3), its alarms (1); and, when the machine is slow enough for the
    # watcher to wake on our own write before the announcement is read, its one look that finds
    # nothing new (it announces nothing: `announced` stays 1)
    shown = "\n".join(" ".join(s.split())[:150] for s in sql)
    assert len(sql) <= 12, shown  # was 43 with the change probe and two refresh cycles
    assert window.today.board_model.row_of(row.visit.id) >= 0


def test_another_seats_check_in_rederives_only_that_visit(window, qtbot, monkeypatch, clock):
    ctrl = window.feature(TrackerFeature).controller
    settle(window, qtbot)
    visit_id = next(r.visit.id for r in ctrl.board.rows if not r.open_alarm_ids)
    tracked: list[int] = []
    real_track = dl.track

    def counting(visit, *args, **kwargs):
        tracked.append(visit.id)
        return real_track(visit, *args, **kwargs)

    monkeypatch.setattr(dl, "track", counting)
    painted = count_signal(ctrl.board_changed)
    model = window.today.board_model
    resets = count_signal(model.modelReset)
    changed_rows: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, *_r: changed_rows.append(top.row()))
    other = Database(str(window.services.db.engine.url), run_migrations=False)
    try:
        TrackerService(other, clock).check_in(Actor(None, "Other seat"), visit_id)
    finally:
        other.dispose()
    # the watcher wakes by itself; a level-only repaint from the cache may come first
    qtbot.waitUntil(lambda: bool(tracked), timeout=5000)
    qtbot.wait(50)
    assert painted
    assert tracked == [visit_id]  # the other visits' deadlines were not re-derived
    assert resets == []  # one row repainted, not the whole board re-worked out
    assert set(changed_rows) == {model.row_of(visit_id)}
    checked_in = ctrl.board.row(visit_id).events[-1]
    assert checked_in.kind == "checked_in" and checked_in.user_name == "Other seat"


def test_an_idle_seat_makes_no_queries(window, qtbot):
    ctrl = window.feature(TrackerFeature).controller
    settle(window, qtbot)
    with statements(window.services.db) as sql:
        ctrl.scheduler.sweep()  # the 30-second safety sweep, no clock jump
        qtbot.waitUntil(lambda: bool(ctrl.wakes) and ctrl.wakes[-1].reason == "sweep")
        for _ in range(5):
            ctrl.tick()  # the 1-second tick
        window.live.pull()  # a wake-up with nothing new: one read, nothing announced
        qtbot.waitUntil(lambda: not window.live._pulling)
    assert len(sql) == 1, sql


def test_policy_is_read_once_and_again_only_after_it_changes(window, qtbot, answers):
    settle(window, qtbot)
    first = window.live.policy()
    assert window.live.policy() is first  # cached
    assert window.feature(TrackerFeature).controller.tracker.policy() is first
    window.show_panel("Settings")
    panel = window.settings
    panel.numbers["checkin_interval_min"].setValue(first.checkin_interval_min - 15)
    panel.save()
    saved(qtbot, panel)  # written on a worker
    idle(window, qtbot)  # and what changed read on the window's reader
    fresh = window.live.policy()
    assert fresh is not first and fresh.checkin_interval_min == first.checkin_interval_min - 15
    # the tracker re-derives with it (on the worker: a whole check never runs on the GUI thread)
    ctrl = window.feature(TrackerFeature).controller
    qtbot.waitUntil(lambda: ctrl.board.policy is fresh)


def test_database_not_answering_is_shown_and_the_seat_catches_up(window, qtbot, clock):
    """The watcher lost the database: the status bar says since when, monitoring shows OFF;
    when it answers again the seat reloads what it missed."""
    ctrl = window.feature(TrackerFeature).controller
    settle(window, qtbot)
    window.live._health.emit("OperationalError: could not connect to server")
    qtbot.waitUntil(lambda: "database not answering since 09:00" in window.db_label.text())
    assert "OFF" in window.monitoring_label.text()
    visit_id = next(r.visit.id for r in ctrl.board.rows if not r.open_alarm_ids)
    TrackerService(window.services.db, clock).returned(Actor(None, "Other seat"), visit_id)
    window.live._health.emit(None)  # answering again: the watcher wakes once to catch up
    window.live.pull()
    qtbot.waitUntil(lambda: ctrl.board.row(visit_id) is None, timeout=5000)
    # the status bar's read waits behind the tracker's check (alarms first, on the worker)
    qtbot.waitUntil(lambda: "not answering" not in window.db_label.text())
    assert "ON" in window.monitoring_label.text()


def test_board_model_reorders_in_place_when_a_change_moves_a_row(qtbot, qtmodeltester, services):
    """update_rows keeps selections (persistent indexes) on their visits when urgency reorders."""
    from PySide6.QtCore import QPersistentModelIndex

    from ui.tracker.board import BoardModel

    now = services.clock.now()
    board = TrackerService(services.db, services.clock).board(now)
    model = BoardModel()
    model.set_board(board, now)
    qtmodeltester.check(model)
    first, last = board.rows[0].visit.id, board.rows[-1].visit.id
    held = model.index(model.row_of(first), 0)
    persistent = QPersistentModelIndex(held)
    board.rows.reverse()  # as if the change made the least urgent the most urgent
    assert model.update_rows(board, frozenset({last}), now)
    assert model.row_of(last) == 0
    assert persistent.row() == model.row_of(first)  # the selection followed its visit
    qtmodeltester.check(model)
    board.rows.pop()  # a visit came back: the set changed, so the caller must reset
    assert not model.update_rows(board, frozenset(), now)


def test_a_single_seat_file_starts_no_watcher_and_keeps_its_one_connection_free(
    qtbot, answers, clock, demo_template, tmp_path
):
    """Nobody else writes a single seat's file; a watcher would hold its only pooled connection."""
    from sqlalchemy import select

    from hvdesk.models import Role, UserAccount
    from tests.conftest import _copy_sqlite
    from ui.app import build_window
    from ui.services import AppServices

    path = tmp_path / "single.sqlite3"
    _copy_sqlite(demo_template, path)
    db = Database(f"sqlite:///{path}", run_migrations=False, single_seat=True)
    try:
        with db.read() as s:
            user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
        actor = Actor(user.id, user.display_name, Role.OFFICE.value)
        win = build_window(AppServices.build(db, clock), actor)
        qtbot.addWidget(win)
        win.show()
        assert win.live.started and win.live.watcher._thread is None
        win.worker.wait()
        assert db.engine.pool.checkedout() == 0  # free for the window's own reads and writes
        win.close()
    finally:
        db.dispose()


def test_another_seats_change_reaches_the_board_while_a_slow_backup_runs(
    window, qtbot, monkeypatch, clock
):
    """At ten years of data the daily backup takes 15 s: it must not hold up the live feed (a
    duress from another seat reached the board 24 s late when both shared one worker)."""
    import threading

    import ui.main_window as main_window

    ctrl = window.feature(TrackerFeature).controller
    settle(window, qtbot)
    release = threading.Event()
    started = threading.Event()

    def slow_backup(*_args, **_kwargs):
        started.set()
        release.wait(30)  # held until the test lets go: the backup is still running
        return None

    monkeypatch.setattr(main_window, "daily_backup", slow_backup)
    window._start_backup()
    qtbot.waitUntil(started.is_set, timeout=5000)
    visit_id = next(r.visit.id for r in ctrl.board.rows if not r.open_alarm_ids)
    other = Database(str(window.services.db.engine.url), run_migrations=False)
    try:
        TrackerService(other, clock).check_in(Actor(None, "Other seat"), visit_id)
    finally:
        other.dispose()
    try:
        qtbot.waitUntil(
            lambda: ctrl.board.row(visit_id).events[-1].user_name == "Other seat", timeout=5000
        )
        assert not release.is_set()  # the backup was still running when the board moved
    finally:
        release.set()
        window.file_worker.wait()


def test_backups_are_checked_when_settings_is_shown_not_while_the_window_is_built(
    window, qtbot, monkeypatch
):
    import ui.backup_settings as backup_settings

    box = window.feature(BackupFeature).box
    assert box.status.text() == "Checking the backups…"  # nothing asked yet: Today is on show
    asked: list[object] = []
    monkeypatch.setattr(backup_settings, "last_good_backups", lambda *a: asked.append(a) or [])
    window.show_panel("Settings")
    qtbot.waitUntil(lambda: bool(asked))
    window.file_worker.wait()


def test_a_status_refresh_while_the_database_is_down_keeps_since_when(window, qtbot, monkeypatch):
    """The status bar's own read fails while the feed says the database is down: the line keeps
    'database not answering since 09:00' (never 'ERROR OperationalError' or 'server (None)'),
    and the read ran on the worker, not on the GUI thread."""
    import threading

    from sqlalchemy.exc import OperationalError

    settle(window, qtbot)
    threads: list[threading.Thread] = []

    def out_now():
        threads.append(threading.current_thread())
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(window.services.visits, "out_now", out_now)
    window.live._health.emit("OperationalError: could not connect to server")
    qtbot.waitUntil(lambda: "database not answering since 09:00" in window.db_label.text())
    window.refresh_status()
    idle(window, qtbot)  # (not settle: the feed's own read answering would say it is back)
    assert threads and threading.main_thread() not in threads
    assert window.db_label.text() == "database not answering since 09:00"
    monkeypatch.undo()
    window.refresh_status()  # answering again, but the feed has not said so: it still decides
    idle(window, qtbot)
    assert window.db_label.text() == "database not answering since 09:00"


def test_a_server_reached_by_socket_is_described_without_none():
    from sqlalchemy import create_engine

    db = Database.__new__(Database)  # no connection made: only the description is wanted
    db.engine = create_engine("postgresql+psycopg://hvdesk@/school")
    db.key = None
    assert db.describe() == "server (local socket, school)"
