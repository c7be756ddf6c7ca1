"""Escalation contacts: who is texted and emailed when nobody at the office takes an alarm, in
order; plus out-of-hours responsible contacts (people at home, not on the ladder).

The view only shows and forwards: every read and write goes through NotificationService on the
window's worker thread, results come back by signal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError
from hvdesk.models import Channel, EscalationContact
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.notifications import MANAGERS, ContactInput, NotificationService
from ui import dialogs
from ui.forms import clear_errors, error_banner, lay_out_edit_dialog, show_errors
from ui.models.table import Column, ObjectRole, RowTableModel
from ui.worker import Worker

Submit = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[str], None]], None]


def _short_error(message: str) -> str:
    return message.splitlines()[0].split(": ", 1)[-1]


COLUMNS: list[Column[EscalationContact]] = [
    Column(
        "Order",
        lambda c: str(c.position) if c.active and c.on_ladder else "—",
        lambda c: (not c.active, not c.on_ladder, c.position),
    ),
    Column("Name", lambda c: c.name),
    Column("Role", lambda c: c.role_label),
    Column(
        "Mobile",
        lambda c: display_phone(c.mobile) + (f" — {c.mobile_note}" if c.mobile_note else ""),
    ),
    Column("Email", lambda c: c.email),
    Column(
        "Gets alarms",
        lambda c: (
            ("yes, in order" if c.on_ladder else "only as a responsible contact")
            if c.active
            else "no (inactive)"
        ),
    ),
]


class ContactDialog(QDialog):
    def __init__(
        self,
        service: NotificationService,
        actor: Actor,
        worker: Worker,
        contact: EscalationContact | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.worker, self.contact = service, actor, worker, contact
        self.saved: EscalationContact | None = None
        self.setWindowTitle("Edit escalation contact" if contact else "Add escalation contact")
        self.setMinimumWidth(520)
        self.name = QLineEdit(contact.name if contact else "")
        self.role = QLineEdit(contact.role_label if contact else "")
        self.role.setPlaceholderText("e.g. Headteacher, DSL, office mobile")
        self.mobile = QLineEdit(display_phone(contact.mobile) if contact else "")
        self.mobile.setPlaceholderText("07700 900123")
        self.email = QLineEdit(contact.email if contact else "")
        self.on_ladder = QCheckBox("Gets every alarm nobody takes, in order")
        self.on_ladder.setChecked(contact.on_ladder if contact else True)
        self.active = QCheckBox("Active")
        self.active.setChecked(contact.active if contact else True)
        self.fields: dict[str, QWidget] = {
            "Name": self.name,
            "Role": self.role,
            "Mobile": self.mobile,
            "Email": self.email,
        }
        form = QFormLayout()
        for label, widget in self.fields.items():
            widget.setAccessibleName(label)
            form.addRow(f"{label}:", widget)
        self.on_ladder.setAccessibleName("On the escalation ladder")
        self.active.setAccessibleName("Active")
        form.addRow("", self.on_ladder)
        form.addRow("", self.active)
        note = QLabel(
            "Messages say who is out, where, the vehicle and what is overdue; never a safe word "
            "or risk notes."
        )
        note.setWordWrap(True)
        self.banner = error_banner()
        lay_out_edit_dialog(self, form, self._save, self.banner, note)

    def data(self) -> ContactInput:
        return ContactInput(
            name=self.name.text(),
            role_label=self.role.text(),
            mobile=self.mobile.text(),
            email=self.email.text(),
            on_ladder=self.on_ladder.isChecked(),
            active=self.active.isChecked(),
        )

    def _save(self) -> None:
        clear_errors(self.banner, self.fields)
        data = self.data()
        contact_id = self.contact.id if self.contact else None
        try:  # validation is pure and instant; the write goes to the worker
            self.service.validate_contact(data)
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return
        self.worker.submit(
            lambda: self.service.save_contact(self.actor, data, contact_id),
            self._saved,
            lambda message: show_errors(
                self.banner, self.fields, HvdeskError(_short_error(message))
            ),
        )

    def _saved(self, contact: EscalationContact) -> None:
        self.saved = contact
        self.accept()


class ContactsTab(QWidget):
    changed = Signal()

    def __init__(self, service: NotificationService, actor: Actor, worker: Worker) -> None:
        super().__init__()
        self.service, self.actor, self.worker = service, actor, worker
        self.open_dialog: Callable[[QDialog], int] = lambda d: d.exec()  # test seam
        self.model: RowTableModel[EscalationContact] = RowTableModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Escalation contacts")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        intro = QLabel(
            "When nobody at the office takes an alarm within the policy's minutes, hvdesk texts "
            "and emails these people in order, one more each interval, until someone takes it; "
            "duress goes to the first at once. Out-of-hours visits name their responsible contact "
            "from this list: they hear when staff leave and get that visit's alarms first."
        )
        intro.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in (
            ("add", "Add…", self.add),
            ("edit", "Edit…", self.edit),
            ("up", "Move up", lambda: self.move_selected(-1)),
            ("down", "Move down", lambda: self.move_selected(1)),
            ("active", "Deactivate", self.toggle_active),
            ("sms", "Send test text", lambda: self.send_test(Channel.SMS.value)),
            ("email", "Send test email", lambda: self.send_test(Channel.EMAIL.value)),
        ):
            button = QPushButton(text)
            button.setAccessibleName(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch()
        self.status = QLabel()
        self.status.setAccessibleName("Contacts status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self._enable()

    # --- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.worker.submit(self.service.contacts, self._loaded, self._failed)

    def _loaded(self, contacts: list[EscalationContact]) -> None:
        selected = self.selected()
        self.model.set_rows(contacts)
        if selected is not None:
            for i, c in enumerate(contacts):
                if c.id == selected.id:
                    self.table.selectRow(i)
        self._enable()

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not do that: {_short_error(message)}")

    def _saved(self, _result: object) -> None:
        """A change made here is shown, and told to the tabs that list contacts too."""
        self.refresh()
        self.changed.emit()

    def selected(self) -> EscalationContact | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.data(rows[0], ObjectRole) if rows else None

    def _enable(self) -> None:
        can = self.actor.role in {r.value for r in MANAGERS}
        chosen = self.selected()
        self.buttons["add"].setEnabled(can)
        for key in ("edit", "up", "down", "active"):
            self.buttons[key].setEnabled(can and chosen is not None)
        self.buttons["sms"].setEnabled(can and chosen is not None and bool(chosen.mobile))
        self.buttons["email"].setEnabled(can and chosen is not None and bool(chosen.email))
        self.buttons["active"].setText(
            "Reactivate" if chosen is not None and not chosen.active else "Deactivate"
        )

    # --- actions ------------------------------------------------------------------------------
    def add(self) -> None:
        dialog = ContactDialog(self.service, self.actor, self.worker, None, self)
        if self.open_dialog(dialog):
            self.status.setText(f"{dialog.saved.name if dialog.saved else 'Contact'} added.")
            self.refresh()
            self.changed.emit()

    def edit(self) -> None:
        contact = self.selected()
        if contact is None:
            return
        dialog = ContactDialog(self.service, self.actor, self.worker, contact, self)
        if self.open_dialog(dialog):
            self.refresh()
            self.changed.emit()

    def move_selected(self, step: int) -> None:
        """Up (-1) or down (+1) the ladder; not `move`, which is QWidget's own."""
        contact = self.selected()
        if contact is not None:
            self.worker.submit(
                lambda: self.service.move_contact(self.actor, contact.id, step),
                lambda _r: self.refresh(),
                self._failed,
            )

    def toggle_active(self) -> None:
        contact = self.selected()
        if contact is None:
            return
        if contact.active and not dialogs.confirm(
            self,
            "Deactivate contact",
            f"Stop sending alarms to {contact.name}? They stay on record and can be reactivated.",
        ):
            return
        data = ContactInput(
            contact.name,
            contact.role_label,
            contact.mobile,
            contact.email,
            contact.on_ladder,
            not contact.active,
        )
        self.worker.submit(
            lambda: self.service.save_contact(self.actor, data, contact.id),
            self._saved,
            self._failed,
        )

    def send_test(self, channel: str) -> None:
        contact = self.selected()
        if contact is None:
            return
        word = "text" if channel == Channel.SMS.value else "email"
        self.status.setText(f"Queueing a test {word} to {contact.name}…")
        self.worker.submit(
            lambda: self.service.send_test_contact(self.actor, contact.id, channel),
            lambda rows: self.status.setText(
                f"Test {word} to {contact.name} queued (message {rows[0].id}); the monitor sends "
                "it within seconds. Its result shows under Messages."
            ),
            self._failed,
        )
