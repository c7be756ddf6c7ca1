"""Export a staff member's or the whole team's visits to an .ics file for Outlook.

Says plainly what leaves hvdesk (the school's ics settings), so nobody exports an address by
accident. The file path is typed or chosen with Browse…; tests type it (no native file dialog).
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
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from hvdesk.errors import HvdeskError
from hvdesk.models import Staff
from hvdesk.policy import PolicySettings
from hvdesk.services.base import Actor
from hvdesk.services.ics_export import ExportResult, IcsExportService, default_file_name
from ui.a11y import DateEdit, ValueLabel
from ui.calendar.model import week_start
from ui.forms import clear_errors, error_banner, qdate_value, show_errors
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
        worker: Worker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.worker = service, actor, worker
        self.busy = False
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
        self.progress = QLabel()
        self.progress.setAccessibleName("Export progress")
        self.progress.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(privacy)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self.fields = {"From": self.first, "To": self.last, "File": self.path}
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

    def save(self) -> bool:
        """Check at once (errors show on their fields), then export on the background worker.

        Returns False when something must be fixed; True when the export is done or under way.
        """
        if self.busy:
            return True
        clear_errors(self.banner, self.fields)
        path = self.path.text().strip()
        first, last = self._day(self.first), self._day(self.last)
        staff_id, cancelled = self.who.currentData(), self.cancelled.isChecked()
        try:
            self.service.validate(path, first_day=first, last_day=last, staff_id=staff_id)
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return False

        def work() -> object:  # on the worker thread: no widgets here
            try:
                return self.service.export(
                    self.actor,
                    path,
                    first_day=first,
                    last_day=last,
                    staff_id=staff_id,
                    include_cancelled=cancelled,
                )
            except HvdeskError as err:
                return err

        if self.worker is None:
            self._finished(work())
            return True
        self.busy = True
        self.export_button.setEnabled(False)
        self.progress.setText("Exporting… you can carry on working; this closes when it is done.")
        self.progress.show()
        self.worker.submit(work, self._finished, self._failed)
        return True

    def _finished(self, outcome: object) -> None:
        if not isValid(self):  # closed meanwhile: the file is written and the export recorded
            return
        self.busy = False
        self.export_button.setEnabled(True)
        self.progress.hide()
        if isinstance(outcome, HvdeskError):
            show_errors(self.banner, self.fields, outcome)
            return
        assert isinstance(outcome, ExportResult)
        self.result_message = outcome.message
        self.exported.emit(outcome.message)
        self.accept()

    def _failed(self, message: str) -> None:
        """A bug, not the user's mistake: say so plainly and keep the dialog open."""
        if not isValid(self):
            return
        self.busy = False
        self.export_button.setEnabled(True)
        self.progress.hide()
        self.banner.setText(f"The export failed and nothing was saved: {message.splitlines()[0]}")
        self.banner.show()
