"""Our own QAccessible interfaces, where Qt's own tell a screen reader too little.

One factory, installed once the application exists (create_application; PySide drops one
installed before), answers for:
- a window marked as an alert (an alarm window): role 'alert', which Orca (AT-SPI ALERT) and NVDA
  (MSAA ROLE_SYSTEM_ALERT) read out whole the moment it appears, not 'dialog';
- an unnamed stack of pages (QStackedWidget: the calendar's views): an ordinary container,
  which screen readers pass over, not Qt's 'layered pane' that Orca said as such before the
  page's control ('layered pane', 'Calendar.'). A named one (the window's screens, named after
  the screen shown) stays Qt's: Orca says its name as focus enters it ('Today.');
- a widget with an accessible_interface() method: its own (the painted calendar's list of visits,
  ui/calendar/accessible.py).
Drop-downs keep Qt's own interface (popup list, actions, value): Orca reads the field from the
form label beside it, so a drop-down without a visible label needs a buddy label or a name.

The first time Qt asks the factory anything (a screen reader has started reading the app, so
accessibility is on), it also has line edits tell their focus before their caret (_FocusFirst):
until then the filter costs nothing. Only where screen readers read Qt over AT-SPI (Linux: X11,
Wayland; offscreen in tests): the workaround is Orca's, and on Windows QAccessible is on as soon
as any UI Automation client asks (NVDA, Narrator, other tools), whose order it must not change.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAccessible, QFocusEvent, QGuiApplication
from PySide6.QtWidgets import QAccessibleWidget, QLineEdit, QStackedWidget, QWidget

ALERT_PROPERTY = "hvdesk_alert"  # a window screen readers must treat as an alert
ATSPI_PLATFORMS = ("xcb", "wayland", "offscreen")  # Qt platforms read over AT-SPI (Orca)


SELECTING = (
    Qt.FocusReason.TabFocusReason,
    Qt.FocusReason.BacktabFocusReason,
    Qt.FocusReason.ShortcutFocusReason,
)


class _FocusFirst(QObject):
    """A line edit's focus told to screen readers before its text is selected.

    Tab into a line edit and Qt selects its text (a selection change and a caret move) in the
    FocusIn handler, and only then tells screen readers the focus moved. Orca takes a caret move
    in a focused field as the focus arriving there, silently, and the focus event after it as
    nothing new: it said nothing of the sign-in's Password or the alarm window's Step note. (Telling
    the focus first as well does not help: Orca drops the first of two identical focus events.)
    Here the line edit gets its FocusIn as a plain one (no selection), and its text is selected
    the moment after, once Qt has told the focus: as on a click, then Tab's select-all.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.FocusIn
            and isinstance(obj, QLineEdit)
            and isinstance(event, QFocusEvent)
            and event.reason() in SELECTING
            and QAccessible.isActive()
            and reads_over_atspi()
        ):
            plain = QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.OtherFocusReason)
            QCoreApplication.sendEvent(obj, plain)
            if obj.text() and not obj.hasSelectedText() and not obj.inputMask():
                as_tabbed = (obj.text(), obj.cursorPosition())
                QTimer.singleShot(0, obj, lambda: _select_if_untouched(obj, as_tabbed))
            return True
        return False


def _select_if_untouched(field: QLineEdit, as_tabbed: tuple[str, int]) -> None:
    """Tab's select-all, the moment after the focus, only on the field as Tab left it: keys
    typed with the Tab (already in the queue) would be selected with the old text and wiped by
    the next key, and a field left at once is no longer Tab's."""
    if field.hasFocus() and (field.text(), field.cursorPosition()) == as_tabbed:
        field.selectAll()


_focus_first: _FocusFirst | None = None


def reads_over_atspi() -> bool:
    """Screen readers read this application over AT-SPI (Orca on Linux), not UIA/MSAA."""
    return QGuiApplication.platformName().startswith(ATSPI_PLATFORMS)


def _put_focus_first() -> None:
    """Install _FocusFirst on the application, once."""
    global _focus_first
    app = QCoreApplication.instance()
    if _focus_first is None and app is not None and reads_over_atspi():
        _focus_first = _FocusFirst(app)
        app.installEventFilter(_focus_first)


def interface_for(_class_name: str, obj: QObject) -> QAccessibleWidget | None:
    """Our interface for `obj`, or None for Qt's own."""
    _put_focus_first()  # a screen reader is reading: from now on, not before
    if isinstance(obj, QWidget) and obj.isWindow() and obj.property(ALERT_PROPERTY):
        return QAccessibleWidget(obj, QAccessible.Role.AlertMessage)
    if isinstance(obj, QStackedWidget) and not obj.accessibleName():  # pages: children either way
        return QAccessibleWidget(obj, QAccessible.Role.Client)
    own = getattr(obj, "accessible_interface", None)  # a painted view with its own (calendar)
    if callable(own):
        made: QAccessibleWidget = own()
        return made
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
