"""The system tray icon: alarm messages, and a place to keep monitoring when the window is closed.

Where there is no tray (some Linux desktops, offscreen tests) everything degrades quietly: messages
are still kept in `messages`, and `available` says whether hiding to the tray is possible.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from hvdesk.resources import resource_path

RECENT_MESSAGES = 100


class Tray(QObject):
    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The most recent messages only: an app left in the tray for weeks must not grow.
        self.messages: deque[tuple[str, str]] = deque(maxlen=RECENT_MESSAGES)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon: QSystemTrayIcon | None = None
        if not self.available:
            return
        path = resource_path("icons", "hvdesk.png")
        icon = QIcon(str(path)) if path.exists() else QApplication.windowIcon()
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("hvdesk: monitoring home visits")
        menu = QMenu()
        show = QAction("Open hvdesk", menu)
        show.triggered.connect(self.open_requested)
        quit_action = QAction("Quit (stop monitoring)", menu)
        quit_action.triggered.connect(self.quit_requested)
        menu.addAction(show)
        menu.addAction(quit_action)
        self._menu = menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(lambda _reason: self.open_requested.emit())
        self.icon.show()

    def message(self, title: str, text: str, critical: bool = True) -> None:
        self.messages.append((title, text))
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            kind = (
                QSystemTrayIcon.MessageIcon.Critical
                if critical
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.icon.showMessage(title, text, kind, 15_000)

    def set_tooltip(self, text: str) -> None:
        if self.icon is not None:
            self.icon.setToolTip(text)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
