"""Showing validation errors on a form: a banner listing each field and fix, and the fields marked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError, ValidationError

INVALID_STYLE = "border: 2px solid #b00020;"
NO_DATE = QDate(1900, 1, 1)


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


def optional_date_edit(accessible_name: str) -> QDateEdit:
    """A date box that can be left 'Not recorded' (its minimum date)."""
    from ui.a11y import DateEdit  # typed whole, left by one Tab

    edit = DateEdit()
    edit.setCalendarPopup(True)
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("Not recorded")
    edit.setDate(NO_DATE)
    edit.setAccessibleName(accessible_name)
    return edit


def qdate_value(value: QDate) -> date:
    """A QDate as a date (PySide's stubs type toPython() as object)."""
    result = value.toPython()
    assert isinstance(result, date)
    return result


def qtime_value(value: QTime) -> time:
    """A QTime as a time (PySide's stubs type toPython() as object)."""
    result = value.toPython()
    assert isinstance(result, time)
    return result


def qdatetime_value(value: QDateTime) -> datetime:
    """A QDateTime as a naive datetime (PySide's stubs type toPython() as object)."""
    result = value.toPython()
    assert isinstance(result, datetime)
    return result


def get_optional_date(edit: QDateEdit) -> date | None:
    value = edit.date()
    return None if value == NO_DATE else qdate_value(value)


def set_optional_date(edit: QDateEdit, value: date | None) -> None:
    edit.setDate(QDate(value.year, value.month, value.day) if value else NO_DATE)


def lay_out_edit_dialog(
    dialog: QDialog, form: QLayout, save: Callable[[], object], banner: QLabel, *above: QWidget
) -> QDialogButtonBox:
    """Every edit dialog's shape: anything above, the error banner, the form, Save / Cancel.

    Save runs `save` (which keeps the dialog open on errors; what it returns is ignored); Cancel
    rejects.
    """
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    for widget in above:
        layout.addWidget(widget)
    layout.addWidget(banner)
    layout.addLayout(form)
    layout.addWidget(buttons)
    return buttons
