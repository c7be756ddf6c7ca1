"""Labels that show a value and say it to a screen reader as 'Field: value'.

Apart from ui.a11y so that the sign-in dialog, the first thing on screen, loads only these.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QWidget


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
        if text == self.text() and self.accessibleName():
            return  # many are re-set every second: no repeated name-change events
        super().setText(text)
        self.setAccessibleName(value_name(self.field, text))
