"""Message boxes behind one seam, so tests answer them without a modal loop (pytest-qt advice)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

# Tests replace these: ask(parent, title, text) -> bool; tell(parent, title, text, kind) -> None
Ask = Callable[[QWidget | None, str, str], bool]
Tell = Callable[[QWidget | None, str, str, str], None]


def _ask(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def _tell(parent: QWidget | None, title: str, text: str, kind: str = "info") -> None:
    box = {"warning": QMessageBox.warning, "error": QMessageBox.critical}.get(
        kind, QMessageBox.information
    )
    box(parent, title, text)


ask: Ask = _ask
tell: Tell = _tell


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    return ask(parent, title, text)


def inform(parent: QWidget | None, title: str, text: str, kind: str = "info") -> None:
    tell(parent, title, text, kind)
