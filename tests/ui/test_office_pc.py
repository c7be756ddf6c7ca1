"""The office PC on duty: keep-awake while anyone is out, honest warnings, sound, backups."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from hvdesk.backup import backup_dir
from hvdesk.services.tracker import TrackerService
from ui.office_pc import OfficePcFeature, shutdown_reason, staff_out

pytestmark = pytest.mark.ui


def _office(window) -> OfficePcFeature:
    """The office PC feature (keep-awake, warnings, This PC) installed in the window."""
    return window.feature(OfficePcFeature)


def _bring_everyone_home(window, office_actor):
    ctrl = window.tracker_controller
    tracker = TrackerService(window.services.db, window.services.clock)
    for row in list(ctrl.board.rows):
        for alarm_id in row.open_alarm_ids + row.drill_alarm_ids:
            ctrl.alarm_service.acknowledge(office_actor, alarm_id)
            ctrl.alarm_service.resolve(office_actor, alarm_id, "safe_delayed", "back")
        tracker.returned(office_actor, row.visit.id)
    ctrl.check("test")


def test_keep_awake_is_held_while_anyone_is_out_and_released_when_all_are_home(
    window, fake_platform, office_actor
):
    ctrl = window.tracker_controller
    staff = staff_out(ctrl.board)
    assert staff > 0
    assert fake_platform.awake
    assert fake_platform.calls[0] == (
        "keep_awake",
        "Staff are out on home visits: hvdesk must raise alarms on time",
    )
    assert fake_platform.shutdown_reason == shutdown_reason(staff)
    assert fake_platform.shutdown_reason.startswith(f"hvdesk is monitoring {staff} staff on visit")
    # held, screen unlocked: nothing to warn about
    assert not _office(window).duty_label.isVisible()
    requests = [c for c in fake_platform.calls if c[0] == "keep_awake"]

    ctrl.check("again")  # a refresh with the same people out asks nothing new
    assert [c for c in fake_platform.calls if c[0] == "keep_awake"] == requests

    _bring_everyone_home(window, office_actor)
    assert not fake_platform.awake
    assert fake_platform.shutdown_reason is None
    assert ("allow_sleep", "") in fake_platform.calls


def test_closing_the_window_releases_keep_awake(window, fake_platform, qtbot):
    assert fake_platform.awake
    window.tracker_controller.stop()
    window.close()
    qtbot.waitUntil(lambda: not fake_platform.awake, timeout=2000)
    assert fake_platform.shutdown_reason is None


def test_alarms_may_be_late_when_the_pc_may_sleep_or_the_screen_is_locked(window, fake_platform):
    fake_platform.locked = True
    window.tracker_controller.ticked.emit(window.services.clock.now())
    assert _office(window).duty_label.isVisibleTo(window)
    assert "alarms may be late" in _office(window).duty_label.text()
    assert "(locked)" in _office(window).duty_label.text()
    assert "cannot be seen" in _office(window).duty_label.toolTip()
    fake_platform.locked = False
    fake_platform.can_keep_awake = False
    window.tracker_controller.ticked.emit(window.services.clock.now())
    assert "(PC may sleep)" in _office(window).duty_label.text()
    assert "power plan" in _office(window).duty_label.toolTip()


def test_sign_out_with_staff_out_asks_the_session_to_wait(window):
    class Manager:
        cancelled = released = False

        def allowsInteraction(self):
            return True

        def cancel(self):
            self.cancelled = True

        def release(self):
            self.released = True

    manager = Manager()
    _office(window).duty_keeper.commit_data(manager)
    assert manager.cancelled and manager.released


def test_start_at_sign_in_tick(window, fake_platform):
    box = _office(window).this_pc.autostart
    assert not box.isChecked()
    box.setChecked(True)
    command = fake_platform.autostart
    assert command is not None
    assert command[1].endswith("main.py")
    # the database open now, or the next sign-in would open the default one: another school
    assert command[2:] == ["--db", window.services.db.url.removeprefix("sqlite:///")]
    box.setChecked(False)
    assert fake_platform.autostart is None


def test_alarm_sound_off_is_shown_in_red(window, qtbot):
    # HVDESK_NO_SOUND is set for the test run: the status bar must not pretend otherwise.
    assert _office(window).sound_label.isVisibleTo(window)
    assert "ALARM SOUND OFF" in _office(window).sound_label.text()
    assert "HVDESK_NO_SOUND" in _office(window).sound_label.toolTip()  # the reason, in words
    assert "b00020" in _office(window).sound_label.styleSheet()
    qtbot.mouseClick(_office(window).this_pc.test_sound, Qt.MouseButton.LeftButton)
    assert _office(window).this_pc.sound_result.text().startswith("ALARM SOUND OFF")


def test_the_daily_backup_runs_at_its_time_while_the_app_stays_open(window, clock, qtbot):
    schedule = _office(window).backup_schedule
    schedule.service.save_daily_at(window.actor, time(17, 30))
    schedule.daily_at = time(17, 30)
    window._backup_timer.stop()  # the start-up backup (it waits until the window is up) is not this test's
    window.worker.wait()
    window._backed_up_at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # made at start this morning
    assert not schedule.check()  # 09:00: not yet
    clock.set(datetime(2026, 11, 24, 17, 31, tzinfo=UTC))
    assert schedule.check()
    assert not schedule.check()  # already running
    qtbot.waitUntil(lambda: not schedule.running, timeout=5000)
    made = backup_dir(window.services.db) / "test-20261124.sqlite3.gz"
    assert made.exists()
    assert window._backed_up_at == clock.now()
    assert not schedule.check()  # done for today
    clock.set(datetime(2026, 11, 25, 17, 31, tzinfo=UTC))
    assert schedule.check()
    qtbot.waitUntil(lambda: not schedule.running, timeout=5000)
    assert (backup_dir(window.services.db) / "test-20261125.sqlite3.gz").exists()


def test_this_pc_settings_render(window, tmp_path):
    window.show_panel("Settings")
    window.resize(1280, 900)
    panel = window.panels["Settings"]
    scroll = panel.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    window.grab().save(str(tmp_path / "settings_this_pc.png"))
    assert _office(window).this_pc.backup_at.time().toString("HH:mm") == "17:30"


def test_first_run_warns_when_the_database_is_in_a_temporary_folder(db, monkeypatch, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from ui import office_start

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    warning = office_start.warn_about_data_folder(None, db)  # tests keep it under the temp folder
    assert warning is not None and "temporary folder" in warning
    assert shown == [warning]
    assert "hvdesk.ini" in warning


def test_notes_for_it_are_shown_at_start(monkeypatch, qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from hvdesk import config
    from ui import office_start

    monkeypatch.setattr(config, "_NOTICES", {})
    (tmp_path / "hvdesk.ini").write_text("[hvdesk]\nbackup_foldr = D:\\backups\n")
    monkeypatch.setenv("HVDESK_MACHINE_CONFIG_DIR", str(tmp_path))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    notices = office_start.show_start_notices(None)
    assert len(notices) == 1 and "did you mean 'backup_folder'?" in notices[0]
    assert shown == notices
    monkeypatch.setattr(config, "_NOTICES", {})
    (tmp_path / "hvdesk.ini").write_text("[hvdesk]\nbackup_folder = D:\\backups\n")
    assert office_start.show_start_notices(None) == [] and len(shown) == 1  # nothing to say


def test_a_crash_before_the_event_loop_runs_is_shown_modally(qtbot, monkeypatch):
    """Before app.exec() a non-modal box would never paint: the start-up crash would be unseen."""
    from PySide6.QtWidgets import QMessageBox

    from ui import crash

    ran = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: ran.append(box.text()) or 0)
    monkeypatch.setattr(QMessageBox, "show", lambda box: ran.append("shown, not waited for"))
    crash._message_box("hvdesk: something went wrong", "the database could not open")
    assert ran == ["the database could not open"]


def test_start_at_sign_in_keeps_single_seat_and_leaves_out_the_default_database(
    db, monkeypatch, tmp_path
):
    from hvdesk.db import Database
    from ui.office_pc import sign_in_command

    path = tmp_path / "data" / "hvdesk.sqlite3"
    path.parent.mkdir()
    monkeypatch.setenv("HVDESK_DATA_DIR", str(path.parent))
    monkeypatch.delenv("HVDESK_DATABASE_URL", raising=False)
    default = Database(f"sqlite:///{path}", single_seat=True)
    try:
        command = sign_in_command(default)
    finally:
        default.dispose()
    assert command[1].endswith("main.py") and command[2:] == ["--single-seat"]


def test_the_window_gives_freed_memory_back_every_minute_off_the_gui_thread(
    window, monkeypatch, qtbot
):
    """malloc_trim takes as long as the memory it gives back (148 ms after ~40 MB freed): it
    runs on the window's file worker, never on the GUI thread."""
    import threading

    from PySide6.QtCore import QTimer

    from ui import office_pc

    released_on: list[threading.Thread] = []
    monkeypatch.setattr(
        office_pc, "release_free_memory", lambda: released_on.append(threading.current_thread())
    )
    timer = window.findChild(QTimer, "free_memory")
    assert timer is not None and timer.isActive() and not timer.isSingleShot()
    assert timer.interval() == office_pc.FREE_MEMORY_MS == 60_000
    timer.timeout.emit()
    qtbot.waitUntil(lambda: released_on != [])
    assert len(released_on) == 1
    assert released_on[0] is not threading.main_thread()


# A fresh interpreter: the spy sees the process as the application's start leaves it.
_SETTLE_SPY = """
import os
from PySide6.QtWidgets import QApplication
from ui import app
seen = []
real = app.settle_allocator
def spy():
    seen.append((len(os.listdir("/proc/self/task")), QApplication.instance() is None))
    return real()
app.settle_allocator = spy
app.create_application([])
print(seen)
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_the_application_settles_the_allocator_before_its_threads():
    """A week without a restart: at most two malloc arenas and a fixed mmap threshold, set when
    the application is made, before the QApplication and before any thread (a thread that has
    an arena keeps it)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", _SETTLE_SPY],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
    )
    # once, with the main thread alone and no QApplication yet
    assert done.stdout.strip() == "[(1, True)]", done.stdout + done.stderr


def test_a_session_end_with_writes_not_recorded_says_why_it_is_held(qtbot):
    """Review of issue 9 #4: with nobody out but this seat's writes not yet recorded, the
    sign-out or shutdown is held with a reason (Windows shows it), released once recorded."""
    from hvdesk.platform.fake import FakePlatform
    from tests.ui.test_closing_unrecorded import SessionManager
    from ui.office_pc import DutyKeeper

    platform = FakePlatform()
    keeper = DutyKeeper(lambda: 1, platform)
    keeper.unsaved = lambda: ["check-in for the Begum family", "incident"]
    manager = SessionManager()
    keeper.commit_data(manager)
    assert manager.cancelled and manager.released
    assert platform.shutdown_reason == "Saving 2 changes to the database"
    keeper.unsaved = lambda: ["incident"]
    keeper.update(None)  # still not recorded: still held
    assert platform.shutdown_reason == "Saving 2 changes to the database"
    keeper.unsaved = list  # recorded
    keeper.update(None)
    assert platform.shutdown_reason is None
