"""Sign-in and first-run dialogs.

The sign-in dialog is on screen before the database is open (it opens on the worker meanwhile):
this module imports nothing heavy, and the dialog takes its services when they are ready.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError
from ui import dialogs
from ui.form_errors import clear_errors, error_banner, show_errors
from ui.value_label import ValueLabel

if TYPE_CHECKING:
    from hvdesk.services.base import Actor
    from ui.services import AppServices
    from ui.worker import Worker

log = logging.getLogger(__name__)


PrepareWindow = Callable[["Actor"], None]
# A pause this long in typing the username: the window is built for the person it names while
# the password is typed, so that Enter leaves only the password check and the first paint.
NAME_PAUSE_MS = 400


class LoginDialog(QDialog):
    """Username and password. Given `prepare`, prepare(the person the username names) builds their
    window once the username is typed (a pause), and the password is checked on the dialog's
    thread (argon2 lets go of the interpreter), who the username names on another; a wrong password
    shows the same message as ever, and the window built meanwhile is not used (nor shown, nor
    started)."""

    painted = Signal()  # once, when the dialog is first on screen

    def __init__(
        self,
        services: AppServices | None,
        parent: QWidget | None = None,
        hint: str = "",
        prepare: PrepareWindow | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.actor: Actor | None = None
        self.prepare = prepare
        self._pending = False  # Sign in pressed before the database was open
        self._checking = False  # the password is being checked on the thread
        self._abandoned = False
        self._painted = False
        self._closed = False  # finished: nothing more is prepared
        self._worker: Worker | None = None  # who a username names (made on first use)
        self._checker: Worker | None = None  # the password's check, beside the look-up
        # (username, who it names) as last looked up after a pause: Enter does not read again
        self._named: tuple[str, Actor | None] | None = None
        self.setWindowTitle("Sign in to hvdesk")
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self._name_pause = QTimer(self)
        self._name_pause.setSingleShot(True)
        self._name_pause.setInterval(NAME_PAUSE_MS)
        self._name_pause.timeout.connect(self._prepare_named)
        if prepare is not None:
            self.username.textChanged.connect(lambda _t: self._name_pause.start())
            self.finished.connect(self._finished)  # closed: nothing more to build
        self.banner = error_banner()
        form = QFormLayout()
        form.addRow("Username:", self.username)
        form.addRow("Password:", self.password)
        # plain buttons with roles, not Ok|Cancel: the standard ones look up their theme icons
        # (~40 ms, a quarter of the dialog's start) for the words changed or left anyway
        buttons = QDialogButtonBox()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)  # Enter in either field signs in
        self.cancel_button = QPushButton("Cancel")
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._sign_in)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        # read as 'School and database: …' with what it says now (opening, then which)
        self.school = ValueLabel("School and database", "<b>hvdesk</b><br>Opening the database…")
        layout.addWidget(self.school)
        if services is not None:
            self.set_services(services)
        if hint:
            layout.addWidget(QLabel(hint))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _finished(self, _result: int) -> None:
        self._closed = True
        self._name_pause.stop()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.painted.emit()

    def set_services(self, services: AppServices) -> None:
        """The database is open: say which, and sign in if Sign in was already pressed."""
        self.services = services
        school = services.policy_at_start().school_name
        self.school.setText(f"<b>{school}</b><br>Database: {services.db.describe()}")
        if self._pending:
            self._sign_in()
        elif self.username.text():
            self._name_pause.start()  # typed before the database was open

    @property
    def signing_in(self) -> bool:
        """Sign in was pressed and is being checked, or someone is signed in (read from the
        worker too: plain attributes, no Qt)."""
        return self._checking or self.actor is not None

    def _prepare_named(self) -> None:
        """The username was typed: build the window for whoever it names, if anyone."""
        if self.prepare is None or self.services is None or self._checking:
            return
        username, prepare = self.username.text(), self.prepare

        def named(actor: Actor) -> None:  # still that name, still typing, still open
            if self.username.text() == username and not self._checking and not self._closed:
                prepare(actor)

        self._look_up(self.services, named)

    def _look_up(self, services: AppServices, then: PrepareWindow) -> None:
        """then(who the username names) if it names anyone (a guess: only the check decides),
        looked up on the dialog's thread (never on the GUI thread), once per name. The database
        not answering prepares nothing and is asked again next time: the check says so."""
        username = self.username.text()
        if self._named is not None and self._named[0] == username:
            if self._named[1] is not None:
                then(self._named[1])
            return

        def found(actor: Actor | None) -> None:
            self._named = (username, actor)
            if actor is not None:
                then(actor)

        self._thread().submit(
            lambda: services.auth.expected_actor(username),
            found,
            lambda message: log.warning(
                "who %r names not read: %s", username, message.split("\n")[0]
            ),
        )

    def _thread(self) -> Worker:
        """The dialog's own thread: who a username names."""
        if self._worker is None:
            from ui.worker import Worker  # not at import: the dialog paints first

            self._worker = Worker(self)
        return self._worker

    def _sign_in(self) -> None:
        self._name_pause.stop()  # Enter: the window is prepared with the check, if not yet
        if self.services is None:
            self._pending = True
            self.banner.setText("Opening the database… you will be signed in in a moment.")
            self.banner.show()
            return
        self._pending = False
        if self.prepare is not None:
            self._sign_in_meanwhile(self.services, self.prepare)
            return
        try:
            self.actor = self.services.auth.sign_in(self.username.text(), self.password.text())
        except HvdeskError as err:
            self._refused(str(err))
            return
        self.accept()

    def _sign_in_meanwhile(self, services: AppServices, prepare: PrepareWindow) -> None:
        """The password checked on its own thread while the GUI thread builds the window for whom
        the username names (known from the pause, else looked up on the dialog's thread at the
        same time: if the check answers first, the window is built after it instead)."""
        if self._checking:
            return  # Enter pressed twice: one check is enough
        username, password = self.username.text(), self.password.text()
        self._checking = True
        self._sign_in_button().setEnabled(False)  # Cancel stays: someone may walk away
        if self._checker is None:
            from ui.worker import Worker

            self._checker = Worker(self)
        self._checker.submit(
            lambda: _checked(services, username, password), self._checked, self._check_failed
        )

        def named(actor: Actor) -> None:
            if not self._abandoned and not self._closed and self.actor is None:
                prepare(actor)

        self._look_up(services, named)  # known: built now, beside the check

    def _sign_in_button(self) -> QPushButton:
        return self.sign_in_button

    def reject(self) -> None:
        self._abandoned = self._checking  # Cancel while checking: the answer is not used
        super().reject()

    def _checked(self, result: Actor | HvdeskError) -> None:
        self._checking = False
        if self._abandoned:
            return
        self._sign_in_button().setEnabled(True)
        if isinstance(result, HvdeskError):
            self._refused(str(result))
            return
        self.actor = result
        self.accept()

    def _check_failed(self, message: str) -> None:
        """Not a wrong password: the database failed while checking it (logged, not shown)."""
        log.error("sign-in failed: %s", message)
        self._checking = False
        self._sign_in_button().setEnabled(True)
        self._refused("The database did not answer while checking the password; try again.")

    def _refused(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()
        self.password.clear()
        self.password.setFocus()


def _checked(services: AppServices, username: str, password: str) -> Actor | HvdeskError:
    """On the thread: who signed in, or why not (argon2's work lets the GUI thread run)."""
    try:
        return services.auth.sign_in(username, password)
    except HvdeskError as err:
        return err


class FirstRunDialog(QDialog):
    """An empty database: load the demo school, or set up this school with its first account."""

    def __init__(self, services: AppServices, parent=None) -> None:
        super().__init__(parent)
        self.services = services
        self.actor: Actor | None = None
        self.setWindowTitle("Welcome to hvdesk")
        self.setMinimumWidth(520)
        intro = QLabel(
            "<h3>Welcome to hvdesk</h3>"
            "<p>This database is empty. You can look around a <b>demo school</b> first "
            "(staff, 30 households and a fortnight of visits, some out now and overdue), "
            "or set up your own school.</p>"
        )
        intro.setWordWrap(True)
        self.demo_button = QPushButton("Load the demo school")
        self.demo_button.setAccessibleName("Load the demo school")
        self.demo_button.clicked.connect(self._load_demo)
        from hvdesk.policy import PRESET_LABELS  # not before the sign-in dialog is on screen

        self.preset = QComboBox()
        for key, text in PRESET_LABELS.items():
            self.preset.addItem(text, key)
        self.preset.setCurrentIndex(self.preset.findData("harborne"))
        self.username = QLineEdit("admin")
        self.display_name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields = {
            "Username": self.username,
            "Display name": self.display_name,
            "Password": self.password,
        }
        form = QFormLayout()
        form.addRow("Closest policy:", self.preset)
        for label, widget in self.fields.items():
            widget.setAccessibleName(label)
            form.addRow(f"{label}:", widget)
        self.banner = error_banner()
        create = QPushButton("Set up my school")
        create.clicked.connect(self._create)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.demo_button)
        layout.addWidget(
            QLabel("<hr><b>Or set up your school</b> (the first account is an admin):")
        )
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(create)
        layout.addWidget(buttons)

    def _load_demo(self) -> None:
        from hvdesk.demo import DEMO_PASSWORD, load_demo

        load_demo(self.services.db, self.services.clock)
        self.actor = self.services.auth.sign_in("office", DEMO_PASSWORD)
        self.accept()

    def _create(self) -> None:
        from hvdesk.models import Role
        from hvdesk.services.base import SYSTEM

        clear_errors(self.banner, self.fields)
        try:
            self.services.auth.create_user(
                SYSTEM,
                self.username.text(),
                self.display_name.text(),
                Role.ADMIN.value,
                self.password.text(),
            )
            self.services.settings.apply_preset(SYSTEM, self.preset.currentData())
            self.actor = self.services.auth.sign_in(self.username.text(), self.password.text())
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return
        offer_recovery_sheet(self, self.services, self.actor)
        self.accept()


def open_pdf(path: Path) -> bool:
    """Open in the PC's PDF viewer (here, not via ui.print_actions: that loads ReportLab)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _note_for_it(note: str) -> str:
    """Who else may open this school: said at set-up when only this account can read the key."""
    return f"\n\nA note for IT: {note}" if note else ""


def offer_recovery_sheet(parent: QWidget | None, services: AppServices, actor: Actor) -> None:
    """At set-up: the key on paper for the school safe, or the data is lost with this PC."""
    if services.db.key is None:
        return
    if not dialogs.confirm(
        parent,
        "Print the recovery sheet",
        "hvdesk encrypts this database. Its key is kept in "
        f"{services.db.key.where}. If this PC is lost or rebuilt, only the key opens the data and "
        f"its backups.{_note_for_it(services.db.key.note)}\n\nOpen the recovery sheet now to "
        "print it for the school safe?",
    ):
        return
    from hvdesk.services.keys import KeyService

    # a fresh, owner-only file (mkstemp): never a fixed name another account could plant or read
    fd, name = tempfile.mkstemp(prefix="hvdesk-recovery-sheet-", suffix=".pdf")
    os.close(fd)
    path = Path(name)
    try:
        KeyService(services.db, services.clock).recovery_sheet(actor, path)
    except HvdeskError as err:
        path.unlink(missing_ok=True)
        dialogs.inform(parent, "Recovery sheet", str(err), "warning")
        return
    open_pdf(path)
    dialogs.inform(
        parent,
        "Recovery sheet",
        f"Print {path}, keep the paper in the school safe, then delete the file.",
    )
