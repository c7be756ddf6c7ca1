"""What a screen reader and a keyboard user need from our widgets, in one place.

NVDA and Orca read a label by its accessible name. A label that carries a value (an address, a
time, 'Monitoring: ON') must therefore be named with that value, not only with its field: a
ValueLabel keeps its name 'Field: value' whenever its text changes. Tables must let Tab leave them
for their actions, a new alarm is announced, and keyboard focus is always visible.
"""

from __future__ import annotations

import re
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent, QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

# Item views draw no focus ring of their own when whole rows are selected: a clear border instead.
FOCUS_STYLE = (
    "QAbstractItemView:focus { border: 2px solid #1a5fb4; }"
    " QAbstractItemView::item:focus { border: 1px dashed #1a5fb4; }"
)


def plain_text(text: str) -> str:
    """The words a label shows, as a screen reader should say them (rich text rendered)."""
    if "<" in text and ">" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        text = doc.toPlainText()
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def value_name(field: str, text: str) -> str:
    """'Field: value', or the value alone when it already says what it is."""
    value = plain_text(text)
    if not value:
        return field
    words = value.lstrip("●○⚠‼!✓ ").lower()
    if not field or words.startswith(field.lower()):
        return value
    return f"{field}: {value}"


class ValueLabel(QLabel):
    """A label that shows a value: its accessible name follows its text as 'Field: value'."""

    def __init__(self, field: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setAccessibleName(value_name(self.field, text))


V = TypeVar("V", bound=QAbstractItemView)


def tab_leaves(view: V) -> V:
    """Tab moves on to the next control (the arrow keys move inside the table)."""
    view.setTabKeyNavigation(False)
    return view


def announce(widget: QWidget, text: str, urgent: bool = True) -> None:
    """Have a screen reader say `text` now (an alarm), and flag the window as an alert."""
    if not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(
        QAccessible.AnnouncementPoliteness.Assertive
        if urgent
        else QAccessible.AnnouncementPoliteness.Polite
    )
    QAccessible.updateAccessibility(event)
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))


def focus_first(widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
