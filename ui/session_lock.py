"""Sign out, switch user and the idle lock, without ever pausing monitoring.

The headteacher walks up to the office PC, signs in over the office session, approves a visit and
signs out; an office PC left alone locks itself after the policy's idle time. Neither may stop the
tracker: the lock covers the main window only, while the deadline timers keep running and alarm
windows (always on top, separate windows) keep showing and sounding.

Who is signed in is one `SessionActor` the window and every screen share, so switching user changes
the person recorded on every later event at once, with nothing rebuilt and no alarm window closed.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError
from hvdesk.models import Role
from hvdesk.services.base import Actor, Service
from ui.a11y import ValueLabel

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

IDLE_CHECK_MS = 15_000
INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


LOCK_WORDS = {
    "signed_out": "the record that this seat was signed out",
    "session_locked_idle": "the record that this seat locked itself",
}


def audit_words(kind: str, note: str) -> str:
    """A lock's audit event in words, for the close question ("• the record that …")."""
    words = LOCK_WORDS.get(kind, f"the record of the {kind.replace('_', ' ')}")
    return f"{words} ({note})" if note else words


def _audit_failed(message: str) -> None:
    log.warning("A lock or unlock was not audited: %s", message.splitlines()[0])


class SessionActor(Actor):
    """The person signed in at this seat; every screen holds this one object, not a copy. An
    Actor (so it is typed as one wherever an Actor goes) whose fields are whoever is signed in
    now: switching user changes them for every holder at once."""

    current: Actor

    def __init__(self, actor: Actor) -> None:  # the dataclass's fields are read from `current`
        self.switch(actor)

    def switch(self, actor: Actor) -> None:
        object.__setattr__(  # Actor is frozen; only who is signed in moves
            self, "current", actor.current if isinstance(actor, SessionActor) else actor
        )

    @property
    def user_id(self) -> int | None:
        return self.current.user_id

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def role(self) -> str:
        return self.current.role

    def __repr__(self) -> str:
        return f"SessionActor({self.current!r})"

    # The seat's one object, not a value: its fields move on switch(), so it is equal only to
    # itself and hashed by identity (a set or dict holding it keeps finding it). Not for
    # dataclasses.replace (TypeError): `current` is the signed-in Actor as a value.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other


class LockScreen(QFrame):
    """Covers the main window: who may unlock, and that monitoring goes on behind it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lockScreen { background: #1f2d3d; } QLabel { color: white; }")
        self.title = QLabel("<h2>hvdesk is locked</h2>")
        # read whole (a screen reader says the reassurance itself, not a summary of it)
        self.note = ValueLabel(
            "",
            "Monitoring continues: alarms still show and sound, and check-in timers keep running.",
        )
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.error = QLabel()
        self.error.setStyleSheet("color: #ffb3b3; font-weight: bold;")
        self.error.setWordWrap(True)
        self.sign_in = QPushButton("Sign in")
        self.sign_in.setDefault(True)
        box = QWidget()
        box.setMaximumWidth(420)
        form = QFormLayout(box)
        for label, edit in (("Username:", self.username), ("Password:", self.password)):
            form.addRow(QLabel(label), edit)
        form.addRow(self.error)
        form.addRow(self.sign_in)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.title, self.note, box):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.password.returnPressed.connect(self.sign_in.click)


class SessionLock(QObject):
    """Lock, unlock, switch user and the idle timer for one main window."""

    def __init__(self, window: MainWindow, session: SessionActor) -> None:
        """`session` is the window's own actor (the one object every screen holds)."""
        super().__init__(window)
        self.window = window
        self.clock = window.services.clock
        self.session = session
        self.screen = LockScreen(window)
        self.screen.hide()
        self.screen.sign_in.clicked.connect(self._sign_in)
        self.locked = False
        self._disabled: list[QAction] = []
        self._hidden: list[QWidget] = []
        self.last_input = self.clock.monotonic()
        self.stopped = False
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start()
        # Input reaches a top-level window (QWindow) before its widgets: watching those keeps
        # this Python filter off the hundreds of events a window's show, layout and paint send
        # its widgets (an application-wide filter cost an alarm window ~25 ms to appear).
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._watch)
            self._watch(QGuiApplication.focusWindow())
        window.installEventFilter(self)

    # --- idle ---------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in INPUT_EVENTS:
            self.last_input = self.clock.monotonic()
        elif obj is self.window and kind == QEvent.Type.Resize and self.locked:
            self.screen.setGeometry(self.window.rect())
        elif obj is self.window and kind == QEvent.Type.Close:
            self.idle_timer.stop()  # nothing ticks after the window is gone (or in the tray)
        elif obj is self.window and kind == QEvent.Type.Show:
            self._watch(self.window.windowHandle())
            if not self.idle_timer.isActive():
                self.idle_timer.start()
        return False

    def _watch(self, top: QWindow | None) -> None:
        """Watch the input of a top-level window (every window typed in gets focus first;
        installing twice is harmless: Qt keeps one)."""
        if top is not None and not self.stopped:
            top.installEventFilter(self)

    def check_idle(self) -> None:
        minutes = self.window.live.policy().idle_lock_min  # cached; the change feed refreshes it
        if not self.locked and self.clock.monotonic() - self.last_input >= minutes * 60:
            self.lock("session_locked_idle", f"idle for {minutes} min")

    # --- lock and unlock ----------------------------------------------------------------------
    def lock(self, kind: str = "signed_out", note: str = "") -> None:
        """Cover the window and disable its actions; duress and the alarms stay live."""
        if self.locked:
            return
        self._audit(kind, note)
        self.locked = True
        self._disabled = [
            a
            for a in self.window.findChildren(QAction)
            if a.isEnabled() and "duress" not in a.text().lower()
        ]
        for action in self._disabled:
            action.setEnabled(False)
        self.window.menuBar().setEnabled(False)
        self._hide_other_windows()
        self.screen.username.setText("")
        self.screen.password.clear()
        self.screen.error.clear()
        self.screen.setGeometry(self.window.rect())
        self.screen.show()
        self.screen.raise_()
        self.screen.username.setFocus()

    def _hide_other_windows(self) -> None:
        """Open dialogs (a lone working assessment with "Reveal safe word…", a household) would
        stay usable over the lock, and a window-modal one would block the lock's own sign-in:
        hide every top-level window but this one and the alarm windows, to show again on unlock."""
        from ui.tracker.alarm_window import AlarmWindow

        self._hidden = [
            widget
            for widget in QApplication.topLevelWidgets()
            if widget.isVisible()
            and widget.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)
            and widget is not self.window
            and not isinstance(widget, AlarmWindow)
        ]
        for widget in self._hidden:
            widget.hide()

    def _show_hidden_windows(self) -> None:
        """Show again what the lock hid (a dialog closed meanwhile by its owner stays closed)."""
        for widget in self._hidden:
            if shiboken6.isValid(widget):
                widget.show()
        self._hidden = []

    def _sign_in(self) -> None:
        try:
            actor = self.window.services.auth.sign_in(
                self.screen.username.text(), self.screen.password.text()
            )
        except HvdeskError as err:
            self.screen.error.setText(str(err))
            self.screen.password.clear()
            return
        self.unlock_as(actor)

    def unlock_as(self, actor: Actor) -> None:
        """Whoever signed in carries on; a different person becomes the seat's user at once."""
        if actor.user_id != self.session.user_id:
            self.session.switch(actor)
            self._after_switch()
        for action in self._disabled:
            action.setEnabled(True)
        self._disabled = []
        self.window.menuBar().setEnabled(True)
        self.screen.hide()
        self.locked = False
        self._show_hidden_windows()
        self.last_input = self.clock.monotonic()
        self.window.data_changed.emit()

    def _after_switch(self) -> None:
        """What was decided from the role when the window was built, decided again."""
        actor = self.session
        self.window.user_label.setText(f"Signed in: {actor.name} ({actor.role})")
        controller = self.window.tracker_controller
        if controller is not None:
            from ui.tracker.controller import HANDLERS

            controller.handles_alarms = actor.role in {r.value for r in HANDLERS}
            if controller.handles_alarms:  # its next alarm opens from a spare, as after start
                controller.spare.prepare_later()
        for panel in self.window.panels.values():
            if hasattr(panel, "is_approver"):
                panel.is_approver = actor.role == Role.APPROVER.value
                if hasattr(panel, "role_label"):
                    panel.role_label.setText(
                        f"You can approve or reject visits as {actor.name}."
                        if panel.is_approver
                        else f"Read only: you are signed in as {actor.name} ({actor.role})."
                    )
                refresh = getattr(panel, "refresh", None)
                if callable(refresh):
                    refresh()

        for name, panel in self.window.panels.items():
            if hasattr(panel, "for_roles"):
                show_panel_for_role(self.window, name)

    def _audit(self, kind: str, note: str) -> None:
        """Recorded on the window's write worker: a lock happens at once, even when the database
        does not answer (a failure is logged there, never in the way)."""
        db, actor = self.window.services.db, self.session.current
        service = Service(db, self.clock)

        def write() -> None:
            with db.transaction() as session:
                service.audit(session, actor, kind, note)

        self.window.writer.submit(write, None, _audit_failed, what=audit_words(kind, note))

    def stop(self) -> None:
        self.idle_timer.stop()
        self.stopped = True
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.focusWindowChanged.disconnect(self._watch)


def show_panel_for_role(window: Any, name: str) -> None:
    """Show a screen only to the roles in its `for_roles` (the Users screen: admins and
    approvers), decided again whenever someone else signs in at the seat. Hidden, it is also
    disabled, so no shortcut reaches it; if it was on screen, Today (the first) is shown instead."""
    panel = window.panels[name]
    shown = window.actor.role in panel.for_roles
    row = window.stack.indexOf(panel)
    window.nav.item(row).setHidden(not shown)
    panel.setEnabled(shown)
    for action in window.view_menu.actions():
        if action.text() == name:
            action.setVisible(shown)
    if not shown and window.stack.currentWidget() is panel:
        window.nav.setCurrentRow(0)
    refresh = getattr(panel, "refresh", None)
    if shown and callable(refresh):
        refresh()


@dataclass(frozen=True)
class SessionLockFeature:
    """The seat's lock and File > Sign out / switch user (found by shell.feature)."""

    lock: SessionLock
    sign_out_action: QAction


def install(window: MainWindow) -> None:
    session = window.actor
    if not isinstance(session, SessionActor):
        return  # a window built for one fixed user (some tests): no switching
    lock = SessionLock(window, session)
    action = QAction("Sign &out / switch user (monitoring continues)", window)
    action.setShortcut(QKeySequence("Ctrl+L"))
    action.triggered.connect(lambda _c=False: lock.lock("signed_out"))
    window.file_menu.insertAction(window.file_menu.actions()[0], action)
    window.register(SessionLockFeature(lock, action))
