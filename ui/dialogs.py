"""Message boxes behind one seam, so tests answer them without a modal loop (pytest-qt advice)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget
from shiboken6 import isValid

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


def _ask_safe(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes only when the person explicitly chooses the risky answer: No is the default (Enter)
    and the answer to Escape, so a reflex keypress never stops what keeps people safe."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    risky = box.addButton(title.rstrip("?"), QMessageBox.ButtonRole.DestructiveRole)
    safe = box.addButton("Keep monitoring", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(safe)
    box.setEscapeButton(safe)
    box.exec()
    return box.clickedButton() is risky


ask: Ask = _ask
tell: Tell = _tell
# Tests replace this too: ask_safe(parent, title, text) -> bool (True: do the risky thing)
ask_safe: Ask = _ask_safe


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    return ask(parent, title, text)


def confirm_risky(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask before something that stops keeping people safe; the default answer keeps it."""
    return ask_safe(parent, title, text)


def inform(parent: QWidget | None, title: str, text: str, kind: str = "info") -> None:
    tell(parent, title, text, kind)


def alive(parent: QWidget | None) -> QWidget | None:
    """`parent` while it is still there; once closed (a dialog deleted on close while its answer
    was out), the application's main window, so what came back is still said."""
    if parent is not None and isValid(parent):
        return parent
    mains = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)]
    return next((w for w in mains if w.isVisible()), mains[0] if mains else None)
