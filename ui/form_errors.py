"""A form's validation errors shown: a banner listing each field and its fix, the fields marked.

Apart from ui.forms (its date boxes and edit-dialog layout, which re-exports these) so that the
sign-in dialog, the first thing on screen, does not make PySide build the date-edit classes.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QLabel, QWidget

from hvdesk.errors import HvdeskError, ValidationError

INVALID_STYLE = "border: 2px solid #b00020;"


def error_banner() -> QLabel:
    label = QLabel()
    label.setObjectName("errorBanner")
    label.setWordWrap(True)
    label.setStyleSheet(
        "QLabel#errorBanner { background: #fdecea; color: #611a15; border: 1px solid #b00020;"
        " padding: 6px; }"
    )
    label.setAccessibleName("Errors")
    label.hide()
    return label


def show_errors(banner: QLabel, fields: Mapping[str, QWidget], err: HvdeskError) -> None:
    clear_errors(banner, fields)
    if isinstance(err, ValidationError):
        lines = [f"• {e.field}: {e.message}" for e in err.errors]
        for e in err.errors:
            widget = fields.get(e.field)
            if widget is not None:
                widget.setStyleSheet(INVALID_STYLE)
                widget.setToolTip(e.message)
                widget.setAccessibleDescription(f"Error: {e.message}")
        first = next((fields[e.field] for e in err.errors if e.field in fields), None)
        if first is not None:
            first.setFocus()
        text = "Nothing was saved. Please fix:\n" + "\n".join(lines)
    else:
        text = f"Nothing was saved. {err}"
    banner.setText(text)
    banner.show()
    grow_to_fit(banner.window())


def grow_to_fit(window: QWidget) -> None:
    """A banner that appears takes room: the window grows rather than squashing the fields."""
    layout = window.layout()
    if layout is None or window.isMaximized() or window.isFullScreen():
        return
    layout.activate()
    width = window.width()
    needed = (
        layout.totalHeightForWidth(width)
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    needed = max(needed, layout.totalMinimumSize().height())
    if window.height() < needed:
        window.resize(width, needed)


def clear_errors(banner: QLabel, fields: Mapping[str, QWidget]) -> None:
    banner.hide()
    banner.clear()
    for widget in fields.values():
        widget.setStyleSheet("")
        widget.setToolTip("")
        widget.setAccessibleDescription("")
