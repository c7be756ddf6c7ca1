"""Our own QAccessible interfaces, where Qt's own tell a screen reader too little.

One factory, installed once the application exists (create_application; PySide drops one
installed before), answers for:
- a window marked as an alert (an alarm window): role 'alert', which Orca (AT-SPI ALERT) and NVDA
  (MSAA ROLE_SYSTEM_ALERT) read out whole the moment it appears, not 'dialog'.
Drop-downs keep Qt's own interface (popup list, actions, value): Orca reads the field from the
form label beside it, so a drop-down without a visible label needs a buddy label or a name.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAccessibleWidget, QWidget

ALERT_PROPERTY = "hvdesk_alert"  # a window screen readers must treat as an alert


def interface_for(_class_name: str, obj: QObject) -> QAccessibleWidget | None:
    """Our interface for `obj`, or None for Qt's own."""
    if isinstance(obj, QWidget) and obj.isWindow() and obj.property(ALERT_PROPERTY):
        return QAccessibleWidget(obj, QAccessible.Role.AlertMessage)
    return None


_installed = False


def install_interfaces() -> None:
    """Have Qt ask `interface_for` first, from now on (once; the application must exist)."""
    global _installed
    if not _installed and QCoreApplication.instance() is not None:
        QAccessible.installFactory(interface_for)
        _installed = True


def mark_as_alert(window: QWidget) -> None:
    """Expose this window to screen readers as an alert (an alarm), not as an ordinary dialog."""
    install_interfaces()  # before a screen reader first asks what this window is
    window.setProperty(ALERT_PROPERTY, True)
