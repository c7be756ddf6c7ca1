"""Staff screen: list, add, edit, deactivate. Validation messages come from the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_date, london
from hvdesk.errors import HvdeskError
from hvdesk.models import Staff
from hvdesk.policy import PolicySettings
from hvdesk.rules.staffing import dbs_current
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import StaffInput, StaffService
from ui import dialogs
from ui.dialog_save import DialogSave
from ui.forms import (
    error_banner,
    get_optional_date,
    lay_out_edit_dialog,
    optional_date_edit,
    set_optional_date,
)
from ui.list_view import filter_box, filtered_table
from ui.models.table import Column, ObjectRole, RowTableModel, set_rows_keeping_choice
from ui.screen_reads import LatestRead
from ui.worker import Worker


def staff_status(staff: Staff, policy: PolicySettings, today: date) -> str:
    """Active or not, and whether the DBS check still lets them be assigned (Harborne)."""
    if not staff.active:
        return "Deactivated"
    if policy.dbs_required and not dbs_current(staff, policy, today):
        return "⚠ DBS not current: cannot be assigned"
    return "✓ Active"


def staff_columns(policy: PolicySettings, today: date) -> list[Column[Staff]]:
    return [
        Column("Name", lambda s: s.name),
        Column("Role", lambda s: s.job_title),
        Column("Mobile", lambda s: display_phone(s.mobile)),
        Column("Vehicle", lambda s: s.vehicle_text or "None"),
        Column(
            "DBS check",
            lambda s: f"{s.dbs_type} {fmt_date(s.dbs_date)}".strip() or "Not recorded",
            sort=lambda s: s.dbs_date or date.min,
        ),
        Column(
            "Status",
            lambda s: staff_status(s, policy, today),
            foreground=lambda s: (
                QColor("#b00020") if "⚠" in staff_status(s, policy, today) else None
            ),
        ),
    ]


class StaffDialog(QDialog):
    """Add or edit one staff member. Stays open, showing every problem, until the data is valid."""

    def __init__(
        self,
        service: StaffService,
        actor: Actor,
        staff: Staff | None = None,
        parent: QWidget | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.staff = service, actor, staff
        self.saved: Staff | None = None
        self.setWindowTitle("Edit staff member" if staff else "Add staff member")
        self.setMinimumWidth(520)
        self.name = QLineEdit()
        self.job_title = QLineEdit()
        self.mobile = QLineEdit()
        self.mobile.setPlaceholderText("07700 900123")
        self.email = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.description.setPlaceholderText(
            "For the police information sheet: build, height, hair…"
        )
        self.description.setFixedHeight(60)
        self.dbs_type = QLineEdit()
        self.dbs_type.setPlaceholderText("Enhanced with barred list")
        self.dbs_date = optional_date_edit("DBS check date")
        self.training = optional_date_edit("Lone working training date")
        self.vehicle_make = QLineEdit()
        self.vehicle_model = QLineEdit()
        self.vehicle_registration = QLineEdit()
        self.vehicle_registration.setPlaceholderText("AB12 CDE")
        self.vehicle_colour = QLineEdit()
        self.business_insurance = QCheckBox("Business-use insurance on this vehicle")
        self.fields = {
            "Name": self.name,
            "Job title": self.job_title,
            "Mobile": self.mobile,
            "Email": self.email,
            "Description": self.description,
            "DBS type": self.dbs_type,
            "DBS check date": self.dbs_date,
            "Lone working training date": self.training,
            "Vehicle make": self.vehicle_make,
            "Vehicle model": self.vehicle_model,
            "Vehicle registration": self.vehicle_registration,
            "Vehicle colour": self.vehicle_colour,
        }
        form = QFormLayout()
        for label, widget in self.fields.items():
            widget.setAccessibleName(label)
            form.addRow(f"{label}:", widget)
        form.addRow("", self.business_insurance)
        self.banner = error_banner()
        lay_out_edit_dialog(self, form, self._save, self.banner)
        self.saving = DialogSave(self, self.banner, self.fields, "staff member", writer)
        if staff:
            self._load(StaffInput.from_staff(staff))

    def _load(self, data: StaffInput) -> None:
        self.name.setText(data.name)
        self.job_title.setText(data.job_title)
        self.mobile.setText(display_phone(data.mobile))
        self.email.setText(data.email)
        self.description.setPlainText(data.description)
        self.dbs_type.setText(data.dbs_type)
        set_optional_date(self.dbs_date, data.dbs_date)
        set_optional_date(self.training, data.lone_working_training_date)
        self.vehicle_make.setText(data.vehicle_make)
        self.vehicle_model.setText(data.vehicle_model)
        self.vehicle_registration.setText(data.vehicle_registration)
        self.vehicle_colour.setText(data.vehicle_colour)
        self.business_insurance.setChecked(data.business_insurance)

    def form_data(self) -> StaffInput:
        return StaffInput(
            name=self.name.text(),
            job_title=self.job_title.text(),
            mobile=self.mobile.text(),
            email=self.email.text(),
            description=self.description.toPlainText(),
            dbs_type=self.dbs_type.text(),
            dbs_date=get_optional_date(self.dbs_date),
            lone_working_training_date=get_optional_date(self.training),
            vehicle_make=self.vehicle_make.text(),
            vehicle_model=self.vehicle_model.text(),
            vehicle_registration=self.vehicle_registration.text(),
            vehicle_colour=self.vehicle_colour.text(),
            business_insurance=self.business_insurance.isChecked(),
        )

    def _save(self) -> None:
        """Saved on a write worker (ui/dialog_save.py): 'Saving…', then closed once recorded."""
        data, known = self.form_data(), self.staff
        if known is None:
            self.saving.run(lambda: self.service.create(self.actor, data), self._saved)
        else:
            self.saving.run(lambda: self.service.update(self.actor, known.id, data), self._saved)

    def _saved(self, row: Staff) -> None:
        self.saved = row
        self.accept()


class StaffPanel(QWidget):
    changed = Signal()

    def __init__(
        self,
        service: StaffService,
        actor: Actor,
        parent: QWidget | None = None,
        writer: Worker | None = None,
        worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.writer = service, actor, writer
        self.settings = SettingsService(service.db, service.clock)
        self.reads = LatestRead(self, worker, "the staff list")
        self.model: RowTableModel[Staff] = RowTableModel([], self)
        self.table, self.proxy = filtered_table(
            self.model, "Staff list", self, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.search = filter_box(self.proxy, "Filter staff…", "Filter staff")
        self.show_inactive = QCheckBox("Show deactivated")
        self.show_inactive.toggled.connect(lambda _c: self.refresh())
        self.add_button = QPushButton("Add staff member…")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button = QPushButton("Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self.bar = QHBoxLayout()
        for w in (
            self.search,
            self.show_inactive,
            self.add_button,
            self.edit_button,
            self.active_button,
        ):
            self.bar.addWidget(w)
        self._feature_buttons: list[QPushButton] = []
        self.banner = error_banner()
        self.saving = DialogSave(
            self, self.banner, {}, "change", writer, buttons=[self.active_button]
        )
        layout = QVBoxLayout(self)
        layout.addLayout(self.bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.reads.line)
        layout.addWidget(self.table)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        if worker is None:  # on its own: read now (on its own worker); in the window: when shown
            self.refresh()
        else:
            self._update_buttons()

    def _read(self, include_inactive: bool) -> tuple[list[Column[Staff]], list[Staff]]:
        """The columns (policy and 'today' may have changed) and the people: on the reader."""
        today = london(self.service.clock.now()).date()
        columns = staff_columns(self.settings.policy(), today)
        return columns, self.service.list(include_inactive=include_inactive)

    def refresh(self) -> None:
        """Read on the window's reader; the list keeps its last rows meanwhile."""
        include_inactive = self.show_inactive.isChecked()
        self.reads.read(lambda: self._read(include_inactive), self._show)

    def _show(self, read: tuple[list[Column[Staff]], list[Staff]]) -> None:
        columns, people = read
        self.model.columns = columns
        set_rows_keeping_choice(self.table, self.model, people)
        self._update_buttons()

    def selected(self) -> Staff | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def _run_on_selected(self, run: Callable[[Staff, QWidget], object], button: QWidget) -> None:
        staff = self.selected()
        if staff is not None:
            run(staff, button)

    def add_staff_button(self, label: str, run: Callable[[Staff, QWidget], object]) -> QPushButton:
        """Features add buttons that act on the selected staff member (e.g. print, lone working)."""
        button = QPushButton(label)
        button.setAccessibleName(label)
        button.clicked.connect(lambda: self._run_on_selected(run, button))
        self.bar.addWidget(button)
        self._feature_buttons.append(button)
        self._update_buttons()
        return button

    def _update_buttons(self) -> None:
        staff = self.selected()
        for button in getattr(self, "_feature_buttons", []):
            button.setEnabled(staff is not None)
        self.edit_button.setEnabled(staff is not None)
        self.active_button.setEnabled(staff is not None)
        self.active_button.setText("Reactivate" if staff and not staff.active else "Deactivate")

    def add(self) -> None:
        dialog = StaffDialog(self.service, self.actor, parent=self, writer=self.writer)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def edit_selected(self) -> None:
        staff = self.selected()
        if staff is None:
            return
        dialog = StaffDialog(self.service, self.actor, staff, parent=self, writer=self.writer)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def toggle_active(self) -> bool:
        """Written on the write worker; False when nothing was sent."""
        staff = self.selected()
        if staff is None or self.saving.busy:
            return False
        verb = "Reactivate" if not staff.active else "Deactivate"
        if not dialogs.confirm(
            self, f"{verb} staff member", f"{verb} {staff.name}? Nothing is deleted."
        ):
            return False
        staff_id, active = staff.id, not staff.active

        def changed(_result: object) -> None:
            self.refresh()
            self.changed.emit()

        def refused(err: HvdeskError) -> None:
            dialogs.inform(self, "Not changed", str(err), "warning")
            self.refresh()

        return self.saving.run(
            lambda: self.service.set_active(self.actor, staff_id, active), changed, refused
        )
