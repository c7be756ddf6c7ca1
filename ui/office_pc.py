"""The office PC stays on duty: awake while staff are out, honest when alarms may be late.

- While anyone is out, the PC is kept from sleeping (hvdesk.platform: SetThreadExecutionState on
  Windows, a logind inhibitor on Linux) and released when the last visit comes home.
- The status bar says "alarms may be late" in words when the PC may still sleep (the request was
  refused) or the screen is locked (alarm windows cannot be seen), and a red ALARM SOUND OFF
  whenever the alarm cannot be heard.
- Signing out or shutting down with visits out: Windows shows "hvdesk is monitoring 3 staff on
  visits" on the shutdown screen, and the session manager is asked to wait (commitDataRequest).
- Settings gains "This PC": start at sign-in, Test alarm sound, and the daily backup time; the
  backup then runs at that time every day hvdesk stays open, not only at start-up.
- The PC's own sound (muted, volume at 0 %, hvdesk muted in the Volume Mixer, Remote Desktop
  without sound) and its power plan's sleep are read off the GUI thread (ui.pc_checks) and put
  into words by hvdesk.pc_readiness.
- Once a minute the C allocator's free memory goes back to the system (hvdesk.platform.heap), on
  the window's file worker (a trim after a big reload takes up to ~150 ms): a window left
  running for a week stays the size it was on its first day.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTime, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QWidget,
)

from hvdesk import platform as os_platform
from hvdesk.backup import daily_backup
from hvdesk.backup_schedule import backup_due
from hvdesk.config import database_url, machine_settings
from hvdesk.errors import HvdeskError
from hvdesk.models import Role
from hvdesk.pc_readiness import (
    SoundVerdict,
    duty_texts,
    power_plan_line,
    sound_test_words,
    sound_verdict,
)
from hvdesk.platform.base import PlatformCalls
from hvdesk.platform.heap import release_free_memory
from hvdesk.services.backup_settings import BackupSettingsService
from ui import dialogs
from ui.a11y import ValueLabel, ink
from ui.forms import qtime_value
from ui.pc_checks import PcChecks

if TYPE_CHECKING:
    from hvdesk.db import Database
    from hvdesk.services.tracker import Board
    from ui.main_window import MainWindow
    from ui.tracker.controller import TrackerController

log = logging.getLogger(__name__)

KEEP_AWAKE_REASON = "Staff are out on home visits: hvdesk must raise alarms on time"
BACKUP_CHECK_MS = 60_000
FREE_MEMORY_MS = 60_000  # glibc's free pages go back to the system this often (on file_worker)


def late_style() -> str:
    """Red and bold, read at the time of use (the theme may be high contrast)."""
    return f"color: {ink('#b00020')}; font-weight: bold;"


def staff_out(board: Board | None) -> int:
    """Distinct staff on the visits being tracked."""
    if board is None:
        return 0
    ids: set[int] = set()
    for row in board.rows:
        ids.add(row.visit.lead_staff_id)
        if row.visit.companion_staff_id is not None:
            ids.add(row.visit.companion_staff_id)
    return len(ids)


def shutdown_reason(staff: int) -> str:
    return f"hvdesk is monitoring {staff} staff on visit{'s' if staff != 1 else ''}"


def saving_reason(changes: int) -> str:
    return f"Saving {changes} change{'s' if changes != 1 else ''} to the database"


class DutyKeeper(QObject):
    """Holds keep-awake and the shutdown reason exactly while anyone is out."""

    changed = Signal()
    session_ending = Signal()  # a sign-out or shutdown with this seat's writes not recorded

    def __init__(
        self,
        window_id: Callable[[], int],
        platform: PlatformCalls | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.platform = platform or os_platform.current()
        self.window_id = window_id
        self.staff = 0
        self.holding = False
        self.refused = False
        self.shutdown_reason = ""
        self.unsaved: Callable[[], list[str]] = list  # this seat's writes not yet recorded

    def update(self, board: Board | None) -> None:
        staff = staff_out(board)
        if staff and not self.holding:
            self.refused = not self.platform.keep_awake(KEEP_AWAKE_REASON)
            self.holding = True
        elif not staff and (self.holding or (self.shutdown_reason and not self.unsaved())):
            self.release()  # nobody out, and any writes a session end waited for are recorded
        if staff and staff != self.staff:
            self.shutdown_reason = shutdown_reason(staff)
            self.platform.block_shutdown(self.window_id(), self.shutdown_reason)
        self.staff = staff
        self.changed.emit()

    def release(self) -> None:
        if self.holding:
            self.platform.allow_sleep()
        if self.shutdown_reason:
            self.platform.unblock_shutdown(self.window_id())
        self.holding = self.refused = False
        self.shutdown_reason = ""
        self.staff = 0

    def warning(self) -> str:
        """'' when alarms will be on time as far as hvdesk can tell; else why they may be late."""
        if not self.staff:
            return ""
        if self.refused or not self.platform.awake_held():
            return "⚠ alarms may be late (PC may sleep)"
        if self.platform.screen_locked():
            return "⚠ alarms may be late (locked)"
        return ""

    def warning_detail(self) -> str:
        """The status bar's short warning in full (tooltip and screen readers)."""
        short = self.warning()
        if short.endswith("(PC may sleep)"):
            return (
                "Windows (or the desktop) refused to keep this PC awake while staff are out: the "
                "power plan may put it to sleep and alarms will wait until it wakes. Check the "
                "power plan, or ask IT."
            )
        if short.endswith("(locked)"):
            return (
                "The screen is locked: alarm windows cannot be seen until someone unlocks it "
                "(the sound still plays)."
            )
        return ""

    def commit_data(self, manager: Any) -> None:
        """Sign-out or shutdown with staff out, or with this seat's writes not yet recorded: ask
        the session to wait (the user may override); the writes are logged by name, and the
        close the session tries next does not ask (ui/closing.UnsavedOnClose.session_ends)."""
        left = self.unsaved()
        if left:
            log.warning(
                "The session is ending with %d changes not yet recorded: %s",
                len(left),
                "; ".join(left),
            )
            self.session_ending.emit()
            if not self.staff:  # the reason Windows shows for the wait (staff out: update's)
                self.shutdown_reason = saving_reason(len(left))
                self.platform.block_shutdown(self.window_id(), self.shutdown_reason)
        if (self.staff or left) and manager.allowsInteraction():
            manager.cancel()
            manager.release()


class BackupSchedule(QObject):
    """Once a minute: is the daily backup due? Then run it on the window's worker."""

    def __init__(self, window: MainWindow, service: BackupSettingsService) -> None:
        super().__init__(window)
        self.window, self.service = window, service
        self.daily_at: time = service.daily_at()
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(BACKUP_CHECK_MS)
        self.timer.timeout.connect(self.check)
        if window.services.db.is_sqlite:
            self.timer.start()

    def check(self) -> bool:
        """Start the backup if due; True when one was started."""
        window = self.window
        now = window.services.clock.now()
        if self.running or not backup_due(now, self.daily_at, window._backed_up_at):
            return False
        self.running = True
        db, clock = window.services.db, window.services.clock

        def done(path: object) -> None:
            self.running = False
            window._backed_up_at = clock.now()  # tried at the slot: not due again today
            window._backup_done(path)

        def failed(message: str) -> None:
            self.running = False
            window._backed_up_at = clock.now()  # the red BACKUP FAILED stays until tomorrow
            window._backup_failed(message)

        window.file_worker.submit(
            lambda: daily_backup(db, clock, refresh=True), done, failed, what="today's backup"
        )
        return True

    def stop(self) -> None:
        self.timer.stop()


def sign_in_command(db: Database) -> list[str]:
    """The command that starts hvdesk at sign-in on the database open now: --db only when it is
    not the one hvdesk would open by itself (so a later change in hvdesk.ini is still followed),
    and --single-seat when it was opened so."""
    try:
        default = database_url()
    except HvdeskError:  # a broken hvdesk.ini: name the database outright
        default = ""
    chosen = None if db.url == default else db.url.removeprefix("sqlite:///")
    return os_platform.launch_command(chosen, db.single_seat)


def sound_now(
    controller: TrackerController, checks: PcChecks, on_duty: bool = True
) -> SoundVerdict:
    """The alarm player's own problem and the system's last-read output, in one verdict
    (nothing when this seat does not sound alarms, unless `on_duty` is False: the Test button)."""
    if on_duty and not controller.handles_alarms:
        return SoundVerdict("", "")
    return sound_verdict(controller.sound.problem(), checks.reading.output)


@dataclass(frozen=True)
class ThisPcControls:
    """Settings > This PC: start at sign-in, Test alarm sound (and what it found), the daily
    backup time, the power plan as last read."""

    autostart: QCheckBox
    test_sound: QPushButton
    sound_result: QLabel
    backup_at: QTimeEdit
    power_plan: QLabel


def _this_pc_box(
    window: MainWindow, controller: TrackerController, schedule: BackupSchedule, checks: PcChecks
) -> tuple[QGroupBox, ThisPcControls]:
    platform = os_platform.current()
    box = QGroupBox("This PC")
    form = QFormLayout(box)
    autostart = QCheckBox("Start hvdesk when I sign in to this PC")
    autostart.setAccessibleName("Start hvdesk at sign-in")
    with contextlib.suppress(OSError):
        autostart.setChecked(platform.autostart_command() is not None)

    def set_autostart(on: bool) -> None:
        try:
            platform.set_autostart(sign_in_command(window.services.db) if on else None)
        except OSError as err:
            dialogs.inform(
                window, "Start at sign-in", f"Could not change it: {err.strerror or err}"
            )
            autostart.blockSignals(True)
            autostart.setChecked(not on)
            autostart.blockSignals(False)

    autostart.toggled.connect(set_autostart)
    test = QPushButton("Test alarm sound")
    test.setAccessibleName("Test alarm sound")
    heard = QLabel()
    heard.setWordWrap(True)

    def show_heard() -> None:
        verdict = sound_now(controller, checks, on_duty=False)
        heard.setText(sound_test_words(verdict, checks.reading.output))
        heard.setStyleSheet(late_style() if verdict.off else "")

    def test_sound() -> None:
        controller.sound.test()
        show_heard()
        checks.refresh(show_heard)  # the speaker may have been unmuted a moment ago

    test.clicked.connect(test_sound)
    sound_row = QHBoxLayout()
    sound_row.addWidget(test)
    sound_row.addWidget(heard, 1)
    backup_at = QTimeEdit(QTime(schedule.daily_at.hour, schedule.daily_at.minute))
    backup_at.setDisplayFormat("HH:mm")
    backup_at.setMaximumWidth(100)
    backup_at.setAccessibleName("Daily backup time")
    backup_at.setEnabled(
        window.actor.role in (Role.OFFICE.value, Role.APPROVER.value, Role.ADMIN.value)
        and window.services.db.is_sqlite
    )

    def save_backup_time() -> None:
        value = qtime_value(backup_at.time())
        if value == schedule.daily_at:
            return
        try:
            schedule.service.save_daily_at(window.actor, value)
        except HvdeskError as err:
            dialogs.inform(window, "Daily backup time", str(err))
            return
        schedule.daily_at = value

    backup_at.editingFinished.connect(save_backup_time)
    machine = machine_settings()
    db = window.services.db
    where = QLabel(
        f"Database: {db.engine.url.database if db.is_sqlite else db.describe()}"
        + (f"\nDatabase and backups set for this PC by {machine.source}" if machine.source else "")
    )
    where.setWordWrap(True)
    form.addRow("", autostart)
    form.addRow("Alarm sound:", sound_row)
    form.addRow("Daily backup at:", backup_at)
    power_plan = _power_plan_label(checks)
    form.addRow("", power_plan)
    form.addRow("", where)
    return box, ThisPcControls(autostart, test, heard, backup_at, power_plan)


def _power_plan_label(checks: PcChecks) -> ValueLabel:
    """'Power plan: sleeps after 15 min (plugged in)', kept to the last reading, so IT can see
    what the status bar's 'alarms may be late' is about even while nobody is out."""
    label = ValueLabel("Power plan")

    def show() -> None:
        label.setText(power_plan_line(checks.reading))

    checks.changed.connect(show)
    show()
    return label


def _add_to_settings(window: MainWindow, box: QWidget) -> None:
    """Below the policy rules, above Save (the settings panel's own form is left untouched)."""
    inner = window.settings.save_button.parentWidget()
    layout = inner.layout() if inner is not None else None
    if not isinstance(layout, QBoxLayout):
        return
    layout.insertWidget(max(layout.count() - 1, 0), box)


def _status(
    controller: TrackerController,
    duty: DutyKeeper,
    checks: PcChecks,
    duty_label: QLabel,
    sound_label: QLabel,
) -> None:
    texts = (duty.warning(), duty.warning_detail(), duty.staff, checks.reading.sleep_after)
    late, detail = duty_texts(*texts)  # whole: the status bar wraps rather than cut them
    sound = sound_now(controller, checks)
    duty_label.setText(late)
    duty_label.setToolTip(detail)
    duty_label.setAccessibleDescription(detail)
    duty_label.setVisible(bool(late))
    sound_label.setText(sound.status)
    sound_label.setToolTip(sound.reason)
    sound_label.setAccessibleDescription(sound.reason)
    sound_label.setVisible(sound.off)


@dataclass(frozen=True)
class OfficePcFeature:
    """The office PC on duty: keep-awake, the status bar's alarm warnings, the daily backup
    schedule and Settings > This PC (found by shell.feature)."""

    duty_keeper: DutyKeeper
    duty_label: ValueLabel
    sound_label: ValueLabel
    backup_schedule: BackupSchedule
    this_pc: ThisPcControls


def _warning_label(window: MainWindow) -> ValueLabel:
    """A status bar warning, hidden until there is something to warn about."""
    label = ValueLabel("Alarm warning")  # read with its warning, not only its field
    label.setStyleSheet(late_style())
    label.setVisible(False)
    label.setContentsMargins(6, 0, 6, 0)
    # beside "Monitoring: ON", where the eye goes first (the status bar wraps, never cuts)
    window.statusBar().insertWidget(1, label)
    return label


def install(window: MainWindow) -> None:
    controller = window.tracker_controller
    if controller is None:
        return
    duty = DutyKeeper(lambda: int(window.winId()), parent=window)
    duty.unsaved = window.writer.not_done

    def session_ends() -> None:
        if window.closing_guard is not None:
            window.closing_guard.session_ends()

    duty.session_ending.connect(session_ends)
    sound_label = _warning_label(window)
    duty_label = _warning_label(window)  # inserted after: it shows left of the sound warning

    checks = PcChecks(window)  # found by tests as window.findChild(PcChecks)
    free_memory = QTimer(window)  # a week without a restart: memory freed is given back
    free_memory.setObjectName("free_memory")
    free_memory.setInterval(FREE_MEMORY_MS)
    free_memory.timeout.connect(  # on the worker: the trim's cost grows with the memory freed
        lambda: window.file_worker.submit(lambda: release_free_memory())  # looked up then
    )
    free_memory.start()

    def status() -> None:
        _status(controller, duty, checks, duty_label, sound_label)

    controller.board_changed.connect(duty.update)
    duty.changed.connect(status)
    checks.changed.connect(status)
    controller.sound.outputs_changed.connect(lambda: checks.refresh())
    controller.sound.problem_changed.connect(lambda _p: status())
    controller.ticked.connect(lambda _now: status())
    duty.update(controller.board)
    checks.refresh()  # the first look now, not 30 s after start

    schedule = BackupSchedule(
        window, BackupSettingsService(window.services.db, window.services.clock)
    )
    box, this_pc = _this_pc_box(window, controller, schedule, checks)
    _add_to_settings(window, box)
    window.register(OfficePcFeature(duty, duty_label, sound_label, schedule, this_pc))

    app = QApplication.instance()
    if isinstance(app, QGuiApplication):
        app.commitDataRequest.connect(duty.commit_data)

    stopped: list[bool] = []

    def stop() -> None:
        if stopped:
            return
        stopped.append(True)
        duty.release()
        free_memory.stop()
        schedule.stop()
        checks.stop()
        if isinstance(app, QGuiApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.commitDataRequest.disconnect(duty.commit_data)

    def stop_if_closed() -> None:
        """A close the tracker refused (an alarm still open) leaves this PC's duties running."""
        if controller.stopped:
            stop()

    class _OnClose(QObject):
        def eventFilter(self, obj: QObject, event: Any) -> bool:
            if event.type() == event.Type.Close:
                QTimer.singleShot(0, stop_if_closed)
            return False

    closer = _OnClose(window)
    window.installEventFilter(closer)
