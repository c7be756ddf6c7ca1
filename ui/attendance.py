"""The Attendance screen and File > Import attendance (Harborne and Harrogate's triggers).

The screen lists the visits the marks suggest, with each pupil's recent absence pattern; one click
opens the booking dialog with the household, pupil and purpose filled in, and dismissing needs a
reason. Importing a file and working out suggestions run on the window's worker, never on the GUI
thread; results come back by signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError
from hvdesk.rules.attendance import ABSENCE_RUN, AUTHORISED, UNEXPLAINED, attended
from hvdesk.services.attendance import AttendanceService, ImportReport, Suggestion
from hvdesk.services.base import Actor
from ui import dialogs
from ui.dialog_save import DialogSave
from ui.follow_up_booking import book_follow_up
from ui.follow_ups_nav import before_settings
from ui.forms import error_banner
from ui.models.table import Column, RowTableModel
from ui.panels.today import TITLE_STYLE, _table
from ui.screen_reads import ReadThenOpen
from ui.tracker.saving import Outcome, not_recorded, save
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.booking_dialog import BookingDialog
    from ui.shell import Shell


def _choose_file(parent: QWidget | None) -> str | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import attendance", "", "CSV files (*.csv);;All files (*)"
    )
    return path or None


def _ask_reason(parent: QWidget | None, suggestion: Suggestion, typed: str = "") -> str | None:
    """`typed`: the reason of a dismissal the database did not take, offered again."""
    text, ok = QInputDialog.getText(
        parent,
        "Dismiss suggestion",
        f"Why is no visit needed for {suggestion.pupil_name}? (recorded in the audit trail)",
        text=typed,
    )
    return text if ok else None


# Seams: tests replace these instead of driving a modal dialog.
choose_file: Callable[[QWidget | None], str | None] = _choose_file
ask_reason: Callable[[QWidget | None, Suggestion, str], str | None] = _ask_reason

OFFICE_ONLY = (
    "Only office staff, an approver or an admin can import attendance or dismiss a suggestion; "
    "you are signed in as visiting staff."
)
TRIGGER_WORDS = {ABSENCE_RUN: "Absence", "low_attendance": "Below threshold"}


def mark_words(code: str) -> tuple[str, str]:
    """(what the mark means, colour): colour is never the only signal, the code is shown too."""
    if not code:
        return "no mark", "#9e9e9e"
    if attended(code):
        return "present", "#1b5e20"
    if code in UNEXPLAINED:
        return "unexplained absence", "#b00020"
    if code in AUTHORISED:
        return "authorised absence", "#8a5a00"
    return "absent or not counted", "#5d4037"


class AttendancePanel(QWidget):
    """Suggested visits with the absence pattern behind each; book or dismiss."""

    book_requested = Signal(object)  # Suggestion
    changed = Signal()

    def __init__(
        self,
        service: AttendanceService,
        actor: Actor,
        worker: Worker,
        parent: QWidget | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.worker = service, actor, worker
        self.unsaved: dict[tuple[int, str], str] = {}  # reasons typed but not recorded
        self.title = QLabel("ATTENDANCE: suggested visits")
        self.title.setStyleSheet(TITLE_STYLE)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        columns: list[Column[Suggestion]] = [
            Column("Pupil", lambda s: s.pupil_name),
            Column("Year", lambda s: s.year_group),
            Column("Household", lambda s: s.household_name),
            Column("Trigger", lambda s: TRIGGER_WORDS.get(s.trigger, s.trigger)),
            Column("Why", lambda s: s.reason),
        ]
        self.model: RowTableModel[Suggestion] = RowTableModel(columns, self)
        self.view = _table(self.model, "Suggested visits")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.book_button = QPushButton("Book visit…")
        self.book_button.setAccessibleName("Book the suggested visit")
        self.book_button.clicked.connect(self._book)
        self.dismiss_button = QPushButton("Dismiss…")
        self.dismiss_button.setAccessibleName("Dismiss the suggestion, with a reason")
        self.dismiss_button.clicked.connect(self._dismiss)
        buttons = QHBoxLayout()
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        self.pattern_title = QLabel("Absence pattern")
        self.pattern_title.setStyleSheet("font-weight: bold;")
        self.pattern = QTableWidget(2, 0)
        self.pattern.setAccessibleName("Absence pattern, last 20 school days")
        self.pattern.setVerticalHeaderLabels(["AM", "PM"])
        self.pattern.setMaximumHeight(96)
        self.pattern.horizontalHeader().setDefaultSectionSize(52)
        self.banner = error_banner()
        self.saving = DialogSave(
            self, self.banner, {}, "dismissal", writer, buttons=[self.dismiss_button]
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.legend = QLabel(
            "Marks (DfE codes): / \\ L present · N O unexplained absence · I M C E H R S T "
            "authorised · G U unauthorised · – no mark. Hover a mark for its meaning."
        )
        self.legend.setWordWrap(True)
        layout.addWidget(self.pattern_title)
        layout.addWidget(self.pattern)
        layout.addWidget(self.legend)
        self._update_buttons()

    # --- loading, off the GUI thread ------------------------------------------------------
    def refresh(self) -> None:
        self.worker.submit(self._load, self._show, self._failed)

    def _load(self) -> tuple[list[Suggestion], str]:
        policy = self.service.policy()
        rules = []
        if policy.attendance_visit_on_day is not None:
            rules.append(f"a visit on day {policy.attendance_visit_on_day} of unexplained absence")
        if policy.attendance_visit_on_day_flagged is not None:
            rules.append(f"day {policy.attendance_visit_on_day_flagged} with a safeguarding flag")
        if policy.attendance_flag_below_percent is not None:
            rules.append(
                f"attendance below {policy.attendance_flag_below_percent}% over "
                f"{policy.attendance_window_months} months"
            )
        text = (
            "Your policy suggests " + "; ".join(rules) + ". Suggestions are not bookings."
            if rules
            else "Your policy has no attendance triggers (Settings: attendance)."
        )
        latest = self.service.latest_day()
        text += (
            f" Marks up to {latest:%a %d %b %Y} (File > Import attendance brings them up to date)."
            if latest
            else " No marks imported yet: File > Import attendance."
        )
        return self.service.suggestions(policy), text

    def _show(self, result: tuple[list[Suggestion], str]) -> None:
        found, text = result
        self.model.set_rows(found)
        self.title.setText(f"ATTENDANCE: {len(found)} visits suggested")
        self.explain.setText(text)
        self.pattern.setColumnCount(0)
        if found:
            self.view.selectRow(0)
        self._update_buttons()

    def _failed(self, message: str) -> None:
        self.explain.setText("Attendance could not be loaded: " + message.splitlines()[0])

    def selected(self) -> Suggestion | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.book_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen and self.actor.can_manage)
        self.dismiss_button.setToolTip("" if self.actor.can_manage else OFFICE_ONLY)

    def _selected(self) -> None:
        self._update_buttons()
        chosen = self.selected()
        if chosen is not None:
            pupil = chosen.pupil_id
            self.worker.submit(lambda: self.service.pattern(pupil), self._show_pattern)

    def _show_pattern(self, days: list[tuple[date, str, str]]) -> None:
        self.pattern.setColumnCount(len(days))
        self.pattern.setHorizontalHeaderLabels([f"{d:%a}\n{d:%d %b}" for d, _am, _pm in days])
        for col, (day, am, pm) in enumerate(days):
            for row, code in enumerate((am, pm)):
                words, colour = mark_words(code)
                item = QTableWidgetItem(code or "–")
                item.setToolTip(f"{day:%a %d %b} {('AM', 'PM')[row]}: {code or '–'} ({words})")
                item.setForeground(QColor(colour))
                self.pattern.setItem(row, col, item)
        self.pattern.resizeRowsToContents()

    # --- acting -------------------------------------------------------------------------
    def _book(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.book_requested.emit(chosen)

    def _dismiss(self) -> bool:
        """The reason is written on the write worker; a reason the database did not take is
        offered again on the next press. False when nothing was sent."""
        chosen = self.selected()
        if chosen is None or self.saving.busy:
            return False
        key = (chosen.pupil_id, chosen.trigger)
        reason = ask_reason(self, chosen, self.unsaved.pop(key, ""))
        if reason is None:
            return False

        def dismissed(_result: object) -> None:
            self.unsaved.pop(key, None)  # recorded: nothing left to offer again
            self.changed.emit()
            self.refresh()

        def refused(err: HvdeskError) -> None:
            dialogs.inform(self, "Not dismissed", str(err), "warning")

        self.unsaved[key] = reason  # until it is recorded
        return self.saving.run(
            lambda: self.service.dismiss(self.actor, chosen, reason), dismissed, refused
        )


def import_attendance(window: Shell, service: AttendanceService, path: str) -> None:
    """Import off the GUI thread; the result (or every bad line) is shown when it is done."""

    def done(report: ImportReport) -> None:
        dialogs.inform(window.dialog_parent(), "Attendance imported", "\n".join(report.lines()))
        window.data_changed.emit()

    def failed(message: str) -> None:
        first = message.splitlines()[0]
        text = first.split(": ", 1)[1] if first.startswith("AttendanceFileError") else first
        dialogs.inform(
            window.dialog_parent(), "Attendance not imported", text.replace("; line", ";\nline"), "warning"
        )

    window.statusBar().showMessage(f"Importing attendance from {path}…", 5000)
    window.worker.submit(lambda: service.import_file(window.actor, path), done, failed)


@dataclass
class AttendanceFeature:
    """What the attendance feature offers the rest of the window (found by shell.feature): its
    screen, File > Import attendance, and the booking dialog a suggestion last opened."""

    panel: AttendancePanel
    import_action: QAction
    booking: BookingDialog | None = None


def install(window: Shell) -> None:
    service = AttendanceService(window.services.db, window.services.clock)
    panel = AttendancePanel(service, window.actor, window.worker, writer=window.writer)
    window.add_panel("Attendance", panel, before_settings(window))
    panel.changed.connect(window.data_changed)

    action = QAction("Import &attendance…", window.dialog_parent())
    action.setStatusTip("Read the attendance marks exported from the school MIS (CSV)")

    def run() -> None:
        path = choose_file(window.dialog_parent())
        if path:
            import_attendance(window, service, path)

    action.triggered.connect(lambda _c=False: run())

    def allow() -> None:  # again after a change of user at the lock screen
        action.setEnabled(window.actor.can_manage)
        action.setToolTip("" if window.actor.can_manage else OFFICE_ONLY)
        action.setStatusTip(
            "Read the attendance marks exported from the school MIS (CSV)"
            if window.actor.can_manage
            else OFFICE_ONLY
        )
        panel._update_buttons()

    allow()
    window.data_changed.connect(allow)
    file_menu = window.menu("file")
    file_menu.insertAction(file_menu.actions()[0], action)
    feature = AttendanceFeature(panel, action)
    window.register(feature)

    opening = ReadThenOpen(panel, window.worker)  # a suggestion's booking form

    def book(suggestion: Suggestion) -> None:
        """Read on the reader, then the booking form opens filled in (the newest press wins)."""

        def opened(dialog: BookingDialog) -> None:
            feature.booking = dialog
            dialog.saved.connect(lambda visit_id: booked(suggestion, visit_id))

        book_follow_up(
            window,
            opening,
            suggestion.household_id,
            suggestion.pupil_id,
            suggestion.reason,
            opened,
        )

    def booked(suggestion: Suggestion, visit_id: int) -> None:
        """The visit is recorded: the suggestion is marked booked, on the write worker too."""

        def answered(outcome: Outcome) -> None:
            if outcome.failure is not None:
                dialogs.inform(window.dialog_parent(), "Suggestion", outcome.refused, "warning")
            elif not outcome.recorded:
                text = not_recorded("suggestion's booking", outcome)
                dialogs.inform(window.dialog_parent(), "Suggestion", text, "error")
            window.data_changed.emit()
            panel.refresh()

        save(
            window.writer,
            lambda: service.booked(window.actor, suggestion, visit_id),
            answered,
            what=f"follow-up suggestion marked booked for {suggestion.household_name}",
        )

    panel.book_requested.connect(book)


def _open(dialog: QDialog) -> None:
    dialog.open()


open_dialog: Callable[[QDialog], None] = _open
