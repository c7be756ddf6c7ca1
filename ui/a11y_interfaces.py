"""Our own QAccessible interfaces, where Qt's own tell a screen reader too little.

One factory, installed once the application exists (create_application; PySide drops one
installed before), answers for:
- a window marked as an alert (an alarm window): role 'alert', which Orca (AT-SPI ALERT) and NVDA
  (MSAA ROLE_SYSTEM_ALERT) read out whole the moment it appears, not 'dialog';
- a drop-down (QComboBox) on Linux: Qt's AT-SPI bridge replaces its name with the current
  item, so Orca said 'Jasmin Patel' and never which field; here it says 'Lead staff: Jasmin
  Patel'. On Windows Qt already gives NVDA the name and the value apart, so Qt's own is kept.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAccessibleWidget, QComboBox, QWidget

ALERT_PROPERTY = "hvdesk_alert"  # a window screen readers must treat as an alert
# where Qt's own combo box name is its current item, not the field (the AT-SPI bridge)
NAME_IS_ITEM = sys.platform.startswith("linux")


class FieldComboBox(QAccessibleWidget):
    """A drop-down read as its field and its choice: 'Staff: Jasmin Patel', value 'Jasmin Patel'.
    The name follows the choice: Qt tells the bridge the name changed whenever the item does."""

    def __init__(self, combo: QComboBox) -> None:
        super().__init__(combo, QAccessible.Role.ComboBox)
        self._combo = combo

    def text(self, t: QAccessible.Text) -> str:
        field, choice = self._combo.accessibleName(), self._combo.currentText()
        if t == QAccessible.Text.Name:  # no name of its own: its item, as Qt says it
            return f"{field}: {choice}" if field and choice else field or choice
        if t == QAccessible.Text.Value:
            return choice
        return str(super().text(t))


def interface_for(_class_name: str, obj: QObject) -> QAccessibleWidget | None:
    """Our interface for `obj`, or None for Qt's own."""
    if isinstance(obj, QWidget) and obj.isWindow() and obj.property(ALERT_PROPERTY):
        return QAccessibleWidget(obj, QAccessible.Role.AlertMessage)
    if NAME_IS_ITEM and isinstance(obj, QComboBox):  # named now or later: asked when read
        return FieldComboBox(obj)
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
