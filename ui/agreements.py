"""Agreements past their date: kept or broken? A broken one is noted on the pupil's attendance
record and offers the reminder letter and a follow-up visit (Harrogate, St Hugh's)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from hvdesk.clock import fmt_date
from hvdesk.errors import HvdeskError
from hvdesk.services.agreements import AgreementRow, AgreementService
from ui import dialogs, follow_up_booking
from ui.dialog_save import DialogSave, write_file_then_show
from ui.forms import error_banner
from ui.models.table import Column, RowTableModel, set_rows_keeping_choice
from ui.panels.today import _table
from ui.screen_reads import LatestRead, ReadThenOpen

if TYPE_CHECKING:
    from ui.booking_dialog import BookingDialog
    from ui.shell import Shell


def follow_up_not_opened(family: str, message: str) -> str:
    """The agreement is recorded broken but the booking form's read did not come back: say
    what was recorded and how to book the follow-up later (not 'nothing was changed')."""
    first = message.splitlines()[0] if message else "no answer"
    return (
        "The agreement is recorded as broken. The booking form could not be opened: the "
        f"database is not answering. Please book the follow-up for {family} from Calendar › "
        f"New visit once the database answers. ({first})"
    )


class AgreementsDialog(QDialog):
    def __init__(self, window: Shell, service: AgreementService) -> None:
        super().__init__(window.dialog_parent())
        self.window_, self.service = window, service
        self.follow_up_booking: BookingDialog | None = None  # the visit booked after a broken one
        self.setWindowTitle("Agreements due")
        self.setAccessibleName("Agreements due")
        self.setMinimumWidth(760)
        columns: list[Column[AgreementRow]] = [
            Column("Due", lambda a: fmt_date(a.due), sort=lambda a: a.due),
            Column("Household", lambda a: a.household),
            Column("Pupil", lambda a: a.pupil),
            Column("Agreed", lambda a: a.what),
            Column("At the visit of", lambda a: fmt_date(a.agreed_on)),
        ]
        self.model: RowTableModel[AgreementRow] = RowTableModel(columns, self)
        self.shown_once = False  # the first rows shown: the first is chosen for the person
        self.view = _table(self.model, "Agreements past their date")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("What happened (optional)")
        self.kept_button = QPushButton("Kept")
        self.broken_button = QPushButton("Broken…")
        self.broken_button.setAccessibleName("Broken: note it, offer the letter and a visit")
        self.kept_button.clicked.connect(lambda: self.decide(broken=False))
        self.broken_button.clicked.connect(lambda: self.decide(broken=True))
        row = QHBoxLayout()
        row.addWidget(QLabel("Note:"))
        row.addWidget(self.note, 1)
        row.addWidget(self.kept_button)
        row.addWidget(self.broken_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.banner = error_banner()
        self.reads = LatestRead(self, window.worker, "the agreements")
        self.reads.failed.connect(window.live.read_failed)
        self.opening = ReadThenOpen(self, window.worker)  # the follow-up visit's booking form
        self.saving = DialogSave(
            self,
            self.banner,
            {"Note": self.note},
            "agreement",
            window.writer,
            buttons=[self.kept_button, self.broken_button, *close.buttons()],
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.reads.line)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        """Read on the window's reader; the list keeps its last rows meanwhile."""
        self.reads.read(self.service.due, self._show)

    def _show(self, rows: list[AgreementRow]) -> None:
        """The agreement chosen stays chosen across a reload (Kept/Broken act on it); the first
        is chosen only when the dialog first shows its rows, never in place of a choice."""
        first = self.shown_once is False
        self.shown_once = True
        if not set_rows_keeping_choice(self.view, self.model, rows) and first and rows:
            self.view.selectRow(0)

    def selected(self) -> AgreementRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def decide(self, *, broken: bool) -> bool:
        """Kept or broken, written on the window's write worker; the note stays until it is
        recorded. False when nothing was sent."""
        chosen = self.selected()
        if chosen is None:
            return False
        actor, note = self.window_.actor, self.note.text()
        mark = self.service.broken if broken else self.service.kept

        def recorded(_result: object) -> None:
            self.note.clear()
            self.window_.data_changed.emit()
            if broken:
                self._after_broken(chosen)
            self.refresh()

        def refused(err: HvdeskError) -> None:
            dialogs.inform(self, "Not recorded", str(err), "warning")

        return self.saving.run(
            lambda: mark(actor, chosen.id, note), recorded, refused, about=chosen.household
        )

    def _after_broken(self, row: AgreementRow) -> None:
        if dialogs.confirm(
            self,
            "Agreement broken",
            "Noted on the pupil's attendance record.\n\nPrint the reminder letter to the family?",
        ):
            self._print_reminder(row)
        if dialogs.confirm(self, "Agreement broken", "Book a follow-up visit to the family?"):
            self.book_follow_up(row)

    def book_follow_up(self, row: AgreementRow) -> None:
        """The booking form for a visit about the broken agreement, read on the reader and then
        opened (kept in `follow_up_booking`, so what it opened can be found again)."""
        window = self.window_

        def opened(dialog: BookingDialog) -> None:
            self.follow_up_booking = dialog
            dialog.saved.connect(lambda _id: window.data_changed.emit())

        follow_up_booking.book_follow_up(
            window,
            self.opening,
            row.household_id,
            row.pupil_id,
            f"Follow-up: agreement broken ({row.what}, due {fmt_date(row.due)})",
            opened,
            title="Follow-up not opened",
            unanswered=lambda message: follow_up_not_opened(row.household, message),
        )

    def _print_reminder(self, row: AgreementRow) -> None:
        """The letter is made and its printing audited on the write worker; it opens when done."""
        from ui import incidents

        actor = self.window_.actor
        path = Path(tempfile.gettempdir()) / f"hvdesk-agreement-{row.id}.pdf"

        write_file_then_show(
            self,
            self.saving.writer,
            path,
            lambda: self.service.reminder_pdf(actor, row.id),
            lambda made: incidents.open_pdf(made),
            title="Letter not printed",
            what="printing of the letter",
        )


def open_agreements(window: Shell) -> AgreementsDialog:
    dialog = AgreementsDialog(window, AgreementService(window.services.db, window.services.clock))
    dialog.open()
    return dialog
