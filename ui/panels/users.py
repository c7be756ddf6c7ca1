"""Users screen: who can sign in and with which role; an admin adds accounts and sets passwords.

Roles decide what a person may do (the services check them): office, approver (headteacher,
assistant head, head of school: the only role that approves visits), visiting staff, admin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
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

from hvdesk.clock import Clock, london
from hvdesk.errors import FieldError, HvdeskError, ValidationError
from hvdesk.models import Role, UserAccount
from hvdesk.rules.lockout import is_locked
from hvdesk.services.auth import AuthService
from hvdesk.services.base import Actor
from hvdesk.services.staff import StaffService
from ui import dialogs
from ui.a11y import field_label, tab_leaves
from ui.dialog_save import DialogSave
from ui.forms import clear_errors, error_banner, lay_out_edit_dialog, show_errors
from ui.models.table import Column, ObjectRole, RowTableModel, set_rows_keeping_choice
from ui.screen_reads import LatestRead, ReadThenOpen
from ui.worker import Worker

ROLE_LABELS = {
    Role.OFFICE.value: "Office (books and tracks visits)",
    Role.APPROVER.value: "Approver (headteacher, assistant head, head of school)",
    Role.VISITOR.value: "Visiting staff",
    Role.ADMIN.value: "Admin (IT: accounts and settings)",
}


def _role_text(user: UserAccount) -> str:
    word = ROLE_LABELS.get(user.role, user.role).split(" (")[0]
    return f"{word}: {user.approver_title}" if user.approver_title else word


def _password_pair(password: str, confirm: str) -> None:
    if password != confirm:
        raise ValidationError(
            [FieldError("Confirm password", "does not match the password; type it again")]
        )


class UserDialog(QDialog):
    def __init__(
        self,
        auth: AuthService,
        actor: Actor,
        staff: list[tuple[int, str]],
        approver_title: str,
        parent: QWidget | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.auth, self.actor = auth, actor
        self.saved: UserAccount | None = None
        self.setWindowTitle("Add user")
        self.setMinimumWidth(520)
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. lfrancis")
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for value, text in ROLE_LABELS.items():
            self.role.addItem(text, value)
        self.title = QLineEdit(approver_title)
        self.staff = QComboBox()
        self.staff.addItem("(not a member of visiting staff)", None)
        for staff_id, name in staff:
            self.staff.addItem(name, staff_id)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields: dict[str, QWidget] = {
            "Username": self.username,
            "Display name": self.display_name,
            "Role": self.role,
            "Approver title": self.title,
            "Staff member": self.staff,
            "Password": self.password,
            "Confirm password": self.confirm,
        }
        form = QFormLayout()
        for label, widget in self.fields.items():
            widget.setAccessibleName(label)
            form.addRow(f"{label}:", widget)
        self.role.currentIndexChanged.connect(lambda _i: self._role_changed())
        self.banner = error_banner()
        lay_out_edit_dialog(self, form, self._save, self.banner)
        self.saving = DialogSave(self, self.banner, self.fields, "user account", writer)
        self._role_changed()

    def _role_changed(self) -> None:
        approver = self.role.currentData() == Role.APPROVER.value
        self.title.setEnabled(approver)

    def _save(self) -> None:
        """Checked here, then saved on the write worker (ui/dialog_save.py)."""
        clear_errors(self.banner, self.fields)
        role = self.role.currentData()
        title = self.title.text().strip() if role == Role.APPROVER.value else ""
        try:
            if role == Role.APPROVER.value and not title:
                raise ValidationError(
                    [FieldError("Approver title", "say which approver, e.g. Headteacher")]
                )
            _password_pair(self.password.text(), self.confirm.text())
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return
        username, name, password = (
            self.username.text(),
            self.display_name.text(),
            self.password.text(),
        )
        staff_id = self.staff.currentData()
        self.saving.run(
            lambda: self.auth.create_user(
                self.actor,
                username,
                name,
                role,
                password,
                staff_id=staff_id,
                approver_title=title,
            ),
            self._saved,
        )

    def _saved(self, user: UserAccount) -> None:
        self.saved = user
        self.accept()


class PasswordDialog(QDialog):
    def __init__(
        self,
        auth: AuthService,
        actor: Actor,
        user: UserAccount,
        parent: QWidget | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.auth, self.actor, self.user = auth, actor, user
        self.setWindowTitle(f"Set password for {user.display_name}")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields: dict[str, QWidget] = {
            "Password": self.password,
            "Confirm password": self.confirm,
        }
        form = QFormLayout()
        for label, widget in self.fields.items():
            widget.setAccessibleName(label)
            form.addRow(f"New {label.lower()}:", widget)
        self.banner = error_banner()
        lay_out_edit_dialog(self, form, self._save, self.banner)
        self.saving = DialogSave(self, self.banner, self.fields, "password", writer)

    def _save(self) -> None:
        """Checked here, then saved on the write worker (ui/dialog_save.py)."""
        clear_errors(self.banner, self.fields)
        try:
            _password_pair(self.password.text(), self.confirm.text())
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return
        user_id, password = self.user.id, self.password.text()
        self.saving.run(
            lambda: self.auth.change_password(self.actor, user_id, password),
            lambda _result: self.accept(),
        )


def _status(user: UserAccount, now: datetime) -> str:
    if not user.active:
        return "Deactivated"
    if is_locked(user.locked_until, now):
        assert user.locked_until is not None
        return f"LOCKED until {london(user.locked_until):%H:%M} (wrong passwords)"
    return "Active"


def user_columns(clock: Clock) -> list[Column[UserAccount]]:
    return [
        Column("Username", lambda u: u.username),
        Column("Name", lambda u: u.display_name),
        Column("Role", _role_text),
        Column("Status", lambda u: _status(u, clock.now())),
    ]


class UsersPanel(QWidget):
    changed = Signal()
    # who may see this screen, set where it is installed (ui.session_lock shows it by role)
    for_roles: set[str]

    def __init__(
        self,
        auth: AuthService,
        staff: StaffService,
        actor: Actor,
        approver_title: str,
        parent: QWidget | None = None,
        writer: Worker | None = None,
        worker: Worker | None = None,
    ) -> None:
        """Given a worker (the main window's), built without reading: first_load() reads."""
        super().__init__(parent)
        self.auth, self.staff, self.actor, self.writer = auth, staff, actor, writer
        self.worker = worker
        self.reads = LatestRead(self, worker, "the accounts")
        self.opening = ReadThenOpen(self, self.reads.worker)
        self.approver_title = approver_title
        self.dialog: QDialog | None = None
        self.model: RowTableModel[UserAccount] = RowTableModel(user_columns(auth.clock), self)
        self.table = tab_leaves(QTableView())
        self.table.setModel(self.model)
        self.table.setAccessibleName("User accounts")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton("Add user…")
        self.add_button.clicked.connect(self.add)
        self.password_button = QPushButton("Set password…")
        self.password_button.clicked.connect(self.set_password)
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setAccessibleName("Unlock the selected account")
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button = QPushButton("Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self.role_choice = QComboBox()
        self.role_choice.setAccessibleName("New role for the selected account")
        for value, text in ROLE_LABELS.items():
            self.role_choice.addItem(text.split(" (")[0], value)
        self.role_button = QPushButton("Set role")
        self.role_button.clicked.connect(self.set_role)
        bar = QHBoxLayout()
        for widget in (
            self.add_button,
            self.password_button,
            self.unlock_button,
            self.active_button,
            field_label("New role:", self.role_choice),
            self.role_choice,
            self.role_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        intro = QLabel(
            "Only users with the Approver role can approve visits. Office users book and track "
            "visits; visiting staff can sign their own lone working assessment."
        )
        intro.setWordWrap(True)
        self.banner = error_banner()
        self.saving = DialogSave(
            self,
            self.banner,
            {},
            "change to the account",
            writer,
            buttons=[self.unlock_button, self.active_button, self.role_button],
        )
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.reads.line)
        layout.addWidget(self.table)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        if worker is None:
            self.refresh()
        else:
            self._update()

    def first_load(self, _on_worker: bool) -> None:
        """The window has started: the accounts, read on the window's reader."""
        self.refresh()

    def refresh(self) -> None:
        """Read on the window's reader; the list keeps its last rows meanwhile (the buttons
        follow who is signed in at once)."""
        self._update()
        self.reads.read(self.auth.list, self._show_accounts)

    def _show_accounts(self, users: list[UserAccount]) -> None:
        set_rows_keeping_choice(self.table, self.model, users)
        self._update()

    def selected(self) -> UserAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def _update(self) -> None:
        user = self.selected()
        admin = self.actor.role == Role.ADMIN.value
        self.add_button.setEnabled(self.actor.role in (Role.ADMIN.value, Role.APPROVER.value))
        self.password_button.setEnabled(user is not None)
        locked = user is not None and is_locked(user.locked_until, self.auth.clock.now())
        self.unlock_button.setEnabled(admin and locked)
        self.active_button.setEnabled(admin and user is not None)
        self.active_button.setText("Reactivate" if user and not user.active else "Deactivate")
        self.role_button.setEnabled(admin and user is not None)
        self.role_choice.setEnabled(admin and user is not None)
        if user is not None:
            self.role_choice.setCurrentIndex(max(0, self.role_choice.findData(user.role)))

    def _admin_action(self, action: Callable[[int], object]) -> bool:
        """An admin action on the selected account, written on the write worker; a refusal is one
        plain message. False when nothing was sent."""
        user = self.selected()
        if user is None:
            return False
        user_id = user.id

        def done(_result: object) -> None:
            self.refresh()
            self.changed.emit()

        def refused(err: HvdeskError) -> None:
            dialogs.inform(self, "Users", str(err), "warning")

        return self.saving.run(lambda: action(user_id), done, refused)

    def unlock(self) -> bool:
        return self._admin_action(lambda uid: self.auth.unlock(self.actor, uid))

    def toggle_active(self) -> bool:
        user = self.selected()
        active = user is not None and not user.active
        return self._admin_action(lambda uid: self.auth.set_active(self.actor, uid, active))

    def set_role(self) -> bool:
        role = self.role_choice.currentData()
        return self._admin_action(lambda uid: self.auth.set_role(self.actor, uid, role))

    def add(self) -> None:
        """The staff to link an account to are read on the reader, then the form opens."""
        self.opening.open(
            self,
            lambda: [(s.id, s.name) for s in self.staff.list()],
            lambda _parent, staff: self._add(staff),
            "the staff",
        )

    def _add(self, staff: list[tuple[int, str]]) -> None:
        self.dialog = UserDialog(
            self.auth, self.actor, staff, self.approver_title, self, self.writer
        )
        if self.dialog.exec():
            self.refresh()
            self.changed.emit()

    def set_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        self.dialog = PasswordDialog(self.auth, self.actor, user, self, self.writer)
        if self.dialog.exec():
            self.changed.emit()
