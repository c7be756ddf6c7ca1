"""Record an incident (from a visit, an alarm or the menu), complete it later, and the Incidents
screen where the head acknowledges new ones and prints the report.

Saving needs only what happened: St Hugh's and Harborne want an incident recorded at once, and the
rest (injuries, police reference, witnesses) is often known only later.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, QTime, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import Clock, fmt_datetime, from_london, london
from hvdesk.errors import HvdeskError
from hvdesk.models import Role, Visit
from hvdesk.services.base import Actor
from hvdesk.services.incidents import IncidentInput, IncidentRow, IncidentService
from ui import dialogs
from ui.dialog_save import DialogSave, write_file_then_show
from ui.follow_ups_nav import before_settings
from ui.forms import (
    clear_errors,
    error_banner,
    lay_out_edit_dialog,
    qdatetime_value,
    show_errors,
)
from ui.models.table import Column, RowTableModel, set_rows_keeping_choice
from ui.panels.today import TITLE_STYLE, _table
from ui.screen_reads import LatestRead, ReadThenOpen
from ui.visit_actions import VisitAction
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.shell import Shell

FIELDS = (
    ("what", "What happened"),
    ("place", "Place"),
    ("people", "People involved"),
    ("said_and_done", "What was said and done"),
    ("injuries", "Injuries"),
    ("police_reference", "Police reference"),
    ("witnesses", "Witnesses"),
    ("follow_up", "Follow-up"),
)
LONG = {"what", "said_and_done", "follow_up"}


class IncidentDialog(QDialog):
    """New (from a visit, an alarm or nothing) or an existing incident to complete."""

    def __init__(
        self,
        service: IncidentService,
        actor: Actor,
        clock: Clock,
        *,
        incident: IncidentRow | None = None,
        visit_id: int | None = None,
        alarm_id: int | None = None,
        context: str = "",
        parent: QWidget | None = None,
        writer: Worker | None = None,
        households: Sequence[tuple[int, str]] | None = None,
    ) -> None:
        """`households`: the choices for one recorded from the menu, read on the reader first
        (ui/screen_reads.ReadThenOpen); a dialog built on its own (a tool, a test) reads them."""
        super().__init__(parent)
        self.service, self.actor = service, actor
        self.incident, self.visit_id, self.alarm_id = incident, visit_id, alarm_id
        self.saved_row: IncidentRow | None = None
        title = f"Incident {incident.id}" if incident else "Record an incident"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        self.when = QDateTimeEdit()
        self.when.setAccessibleName("When")
        self.when.setDisplayFormat("ddd dd MMM yyyy HH:mm")
        self.when.setCalendarPopup(True)
        at = london(incident.occurred_at if incident else clock.now())
        self.when.setDateTime(
            QDateTime(QDate(at.year, at.month, at.day), QTime(at.hour, at.minute))
        )
        self.edits: dict[str, QLineEdit | QPlainTextEdit] = {}
        form = QFormLayout()
        form.addRow("When:", self.when)
        self.fields: dict[str, QWidget] = {"When": self.when}
        self.household: QComboBox | None = None
        if incident is None and visit_id is None and alarm_id is None:  # from the menu
            self.household = QComboBox()
            self.household.setAccessibleName("Household")
            self.household.addItem("None (not about a household)", None)
            choices = service.household_choices() if households is None else households
            for household_id, words in choices:
                self.household.addItem(words, household_id)
            form.addRow("Household:", self.household)
            self.fields["Household"] = self.household
        for key, label in FIELDS:
            edit: QLineEdit | QPlainTextEdit = QPlainTextEdit() if key in LONG else QLineEdit()
            if isinstance(edit, QPlainTextEdit):
                edit.setFixedHeight(64)
                edit.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
            edit.setAccessibleName(label)
            if incident is not None:
                value = getattr(incident, key)
                edit.setPlainText(value) if isinstance(edit, QPlainTextEdit) else edit.setText(
                    value
                )
            self.edits[key] = edit
            self.fields[label] = edit
            form.addRow(f"{label}:", edit)
        hint = QLabel(
            (context + "\n" if context else "")
            + "Save now with what you know; complete the rest later. The head sees new incidents "
            "on Today until they acknowledge them."
        )
        hint.setWordWrap(True)
        self.banner = error_banner()
        lay_out_edit_dialog(self, form, self.save, self.banner, hint)
        self.saving = DialogSave(self, self.banner, self.fields, "incident", writer)

    def form_data(self) -> IncidentInput:
        values: dict[str, Any] = {  # IncidentInput's text fields, by name
            key: (e.toPlainText() if isinstance(e, QPlainTextEdit) else e.text())
            for key, e in self.edits.items()
        }
        when = qdatetime_value(self.when.dateTime())
        return IncidentInput(
            occurred_at=from_london(when.replace(tzinfo=None)),
            visit_id=self.visit_id,
            alarm_id=self.alarm_id,
            household_id=self.household.currentData() if self.household is not None else None,
            **values,
        )

    def save(self) -> bool:
        """Saved on the write worker (ui/dialog_save.py): 'Saving…', closed once recorded.
        False when nothing was sent (the form cannot be read, or a save is pending)."""
        clear_errors(self.banner, self.fields)
        try:
            data = self.form_data()
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return False
        known = self.incident
        if known is None:
            return self.saving.run(lambda: self.service.record(self.actor, data), self._saved)
        return self.saving.run(
            lambda: self.service.complete(self.actor, known.id, data), self._saved
        )

    def _saved(self, row: IncidentRow) -> None:
        self.saved_row = row
        self.accept()


class IncidentsPanel(QWidget):
    changed = Signal()

    def __init__(
        self,
        service: IncidentService,
        actor: Actor,
        clock: Clock,
        parent: QWidget | None = None,
        writer: Worker | None = None,
        worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.clock = service, actor, clock
        self.writer = writer
        self.reads = LatestRead(self, worker, "the incidents")
        self.opening = ReadThenOpen(self, self.reads.worker)
        self.title = QLabel("INCIDENTS")
        self.title.setStyleSheet(TITLE_STYLE)
        columns: list[Column[IncidentRow]] = [
            Column("When", lambda i: fmt_datetime(i.occurred_at), sort=lambda i: i.occurred_at),
            Column("What happened", lambda i: i.what.splitlines()[0][:80]),
            Column("Household", lambda i: i.household),
            Column("Reported by", lambda i: i.reported_by),
            Column(
                "Head",
                lambda i: f"✓ seen by {i.acknowledged_by}" if i.acknowledged_at else "● NEW",
            ),
            Column("Still to complete", lambda i: ", ".join(i.missing) or "complete"),
        ]
        self.model: RowTableModel[IncidentRow] = RowTableModel(columns, self)
        self.view = _table(self.model, "Incidents")
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.new_button = QPushButton("Record an incident…")
        self.new_button.clicked.connect(self.record_new)
        self.open_button = QPushButton("Open / complete…")
        self.open_button.clicked.connect(self.open_selected)
        self.ack_button = QPushButton("Acknowledge (head)")
        self.ack_button.setAccessibleName("Acknowledge the incident as the head")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.ack_button.setVisible(actor.role in (Role.APPROVER.value, Role.ADMIN.value))
        self.print_button = QPushButton("Print report")
        self.print_button.clicked.connect(self.print_selected)
        row = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.ack_button, self.print_button):
            row.addWidget(button)
        row.addStretch(1)
        self.banner = error_banner()
        self.saving = DialogSave(
            self, self.banner, {}, "acknowledgement", writer, buttons=[self.ack_button]
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        layout.addWidget(self.reads.line)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

    def refresh(self) -> None:
        """Read on the window's reader; the list keeps its last rows meanwhile."""
        self.reads.read(self.service.list, self._show)

    def _show(self, rows: list[IncidentRow]) -> None:
        """The rows read; the incident chosen before stays chosen (a reload is no new choice)."""
        set_rows_keeping_choice(self.view, self.model, rows)
        new = sum(1 for r in rows if r.acknowledged_at is None)
        self.title.setText(f"INCIDENTS ({len(rows)}, {new} not yet seen by the head)")

    def selected(self) -> IncidentRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def record_new(self) -> None:
        """'Record an incident…' from the menu: the households to choose from are read on the
        reader, then the form opens (only the newest press opens one)."""
        self.opening.open(
            self,
            self.service.household_choices,
            lambda _parent, choices: self.record(households=choices),
            "the households",
        )

    def record(
        self,
        *,
        visit_id: int | None = None,
        alarm_id: int | None = None,
        households: Sequence[tuple[int, str]] | None = None,
    ) -> bool:
        self.opening.opened()
        dialog = IncidentDialog(
            self.service,
            self.actor,
            self.clock,
            visit_id=visit_id,
            alarm_id=alarm_id,
            parent=self,
            writer=self.writer,
            households=households,
        )
        if run_dialog(dialog):
            self.changed.emit()
            return True
        return False

    def open_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = IncidentDialog(
            self.service, self.actor, self.clock, incident=chosen, parent=self, writer=self.writer
        )
        if run_dialog(dialog):
            self.changed.emit()

    def acknowledge_selected(self) -> bool:
        """Written on the write worker; False when nothing was sent."""
        chosen = self.selected()
        if chosen is None:
            return False

        def refused(err: HvdeskError) -> None:
            dialogs.inform(self, "Not acknowledged", str(err), "warning")

        return self.saving.run(
            lambda: self.service.acknowledge(self.actor, chosen.id),
            lambda _row: self.changed.emit(),
            refused,
        )

    def print_selected(self) -> bool:
        """The report is made and its printing audited on the write worker; the PDF opens when
        it comes back. False when nothing is selected."""
        chosen = self.selected()
        if chosen is None:
            return False
        actor, incident_id = self.actor, chosen.id
        path = Path(tempfile.gettempdir()) / f"hvdesk-incident-{incident_id}.pdf"

        write_file_then_show(  # on the write worker: the audit event, the PDF, the file
            self,
            self.saving.writer,
            path,
            lambda: self.service.report_pdf(actor, incident_id),
            lambda made: open_pdf(made),  # the seam, as it is when the file is written
            title="Not printed",
            what="printing",
        )
        return True


def _run(dialog: QDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


def _open_pdf(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


# Seams: tests answer the dialog and skip the PDF viewer.
run_dialog: Callable[[QDialog], bool] = _run
open_pdf: Callable[[Path], None] = _open_pdf


@dataclass(frozen=True)
class IncidentsFeature:
    """The Incidents screen and Visit > Record an incident (found by shell.feature)."""

    panel: IncidentsPanel
    record_action: QAction


def install(window: Shell) -> None:
    from ui.tracker import alarm_window

    service = IncidentService(window.services.db, window.services.clock)
    panel = IncidentsPanel(
        service, window.actor, window.services.clock, writer=window.writer, worker=window.worker
    )
    panel.reads.failed.connect(window.live.read_failed)
    window.add_panel("Incidents", panel, before_settings(window))
    panel.changed.connect(window.data_changed)

    action = QAction("Record an &incident…", window.dialog_parent())
    action.setShortcut(QKeySequence("Ctrl+Shift+I"))
    action.triggered.connect(lambda _c=False: panel.record_new())
    window.menu("visit").addAction(action)
    window.register(IncidentsFeature(panel, action))

    def from_visit(visit: Visit, _parent: QWidget) -> None:
        panel.record(visit_id=visit.id)

    window.visit_actions.register(VisitAction("Record an incident…", from_visit, group="visit"))
    alarm_window.record_incident = lambda _parent, alarm_id: panel.record(alarm_id=alarm_id)
