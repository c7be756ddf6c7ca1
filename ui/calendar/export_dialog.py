"""Export a staff member's or the whole team's visits to an .ics file for Outlook.

Says plainly what leaves hvdesk (the school's ics settings), so nobody exports an address by
accident. The file path is typed or chosen with Browse…; tests type it (no native file dialog).

The export (the visits read, the file written, the export audited) runs on the window's write
worker (ui/dialog_save.py), never on the GUI thread: the form says "Saving…" meanwhile, a disk
that refuses the file is said as "Not saved: <path>: <reason>" and nothing is recorded.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError, ValidationError
from hvdesk.models import Staff
from hvdesk.policy import PolicySettings
from hvdesk.services.base import Actor
from hvdesk.services.ics_export import (
    ExportNotSaved,
    ExportResult,
    IcsExportService,
    default_file_name,
)
from ui.a11y import DateEdit, ValueLabel
from ui.calendar.model import week_start
from ui.dialog_save import DialogSave
from ui.forms import INVALID_STYLE, clear_errors, error_banner, qdate_value, show_errors
from ui.worker import Worker


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ExportDialog(QDialog):
    exported = Signal(str)  # the message shown

    def __init__(
        self,
        service: IcsExportService,
        actor: Actor,
        staff: list[Staff],
        policy: PolicySettings,
        today: date,
        *,
        staff_id: int | None = None,
        folder: Path | None = None,
        writer: Worker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`staff` and `policy` are read on the reader before it opens (the controller)."""
        super().__init__(parent)
        self.service, self.actor = service, actor
        self.folder = folder or Path.home()
        self.result_message = ""
        self.setWindowTitle("Export calendar (.ics)")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(560)
        self.banner = error_banner()
        self.who = QComboBox()
        self.who.setAccessibleName("Whose visits")
        self.who.addItem("Whole team", None)
        for person in staff:
            self.who.addItem(person.name, person.id)
        self.who.setCurrentIndex(max(0, self.who.findData(staff_id)))
        self.first, self.last = DateEdit(), DateEdit()
        self.first.setDate(_qdate(week_start(today)))
        self.last.setDate(_qdate(week_start(today) + timedelta(weeks=8, days=-1)))
        for edit, name in ((self.first, "From"), (self.last, "To")):
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        self.cancelled = QCheckBox("Include cancelled visits (marks them cancelled in Outlook)")
        self.cancelled.setAccessibleName("Include cancelled visits")
        self.path = QLineEdit()
        self.path.setAccessibleName("File")
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Choose the file")
        browse.clicked.connect(self._browse)
        file_row = QWidget()
        row = QHBoxLayout(file_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        address = "included" if policy.ics_include_address else "NOT included"
        pupil = "included" if policy.ics_include_pupil else "NOT included"
        privacy = ValueLabel(
            "What the export contains",
            "Each entry has the purpose, the times staff are away, the staff and the office "
            f"contact. Family name and address: {address}. Pupil: {pupil}. "
            "Never: notes, known risks or phone numbers. (Change in Settings.)",
        )
        privacy.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Whose visits:", self.who)
        form.addRow("From:", self.first)
        form.addRow("To:", self.last)
        form.addRow("", self.cancelled)
        form.addRow("File:", file_row)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(privacy)
        layout.addWidget(buttons)
        self.fields = {"From": self.first, "To": self.last, "File": self.path}
        self.saving = DialogSave(self, self.banner, self.fields, "calendar export", writer)
        for signal in (self.who.currentIndexChanged, self.first.dateChanged, self.last.dateChanged):
            signal.connect(lambda *_: self._suggest())
        self._suggested = ""
        self._suggest()

    def _suggest(self) -> None:
        """Keep a sensible file name until the user types their own."""
        if self.path.text() and self.path.text() != self._suggested:
            return
        name = default_file_name(
            self.who.currentText(), self._day(self.first), self._day(self.last)
        )
        self._suggested = str(self.folder / name)
        self.path.setText(self._suggested)

    @staticmethod
    def _day(edit: QDateEdit) -> date:
        return qdate_value(edit.date())

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save calendar as", self.path.text(), "iCalendar (*.ics)"
        )
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".ics") else f"{chosen}.ics")

    @property
    def busy(self) -> bool:
        return self.saving.busy

    def save(self) -> bool:
        """The request checked at once (errors show on their fields), then exported on the write
        worker. False when something must be fixed first; True when it is done or under way."""
        if self.busy:
            return True
        clear_errors(self.banner, self.fields)
        path = self.path.text().strip()
        first, last = self._day(self.first), self._day(self.last)
        staff_id, cancelled = self.who.currentData(), self.cancelled.isChecked()
        errors = self.service.check_request(path, first_day=first, last_day=last)
        if errors:
            show_errors(self.banner, self.fields, ValidationError(errors))
            return False
        service, actor = self.service, self.actor

        def export() -> ExportResult:  # on the write worker: no widgets here
            return service.export(
                actor,
                path,
                first_day=first,
                last_day=last,
                staff_id=staff_id,
                include_cancelled=cancelled,
            )

        self.saving.run(export, self._exported, self._refused)
        return True

    def _refused(self, err: HvdeskError) -> None:
        """A disk that refuses the file is said as such, on the File field; the rest as usual."""
        if not isinstance(err, ExportNotSaved):
            self.saving.show_refusal(err)
            return
        self.path.setStyleSheet(INVALID_STYLE)
        self.path.setAccessibleDescription(f"Error: {err}")
        self.banner.setText(f"{err}\n\nChoose another place for the file.")
        self.banner.show()

    def _exported(self, result: ExportResult) -> None:
        self.result_message = result.message
        self.exported.emit(result.message)
        self.accept()
