"""Form helpers: date boxes that may be left empty, Qt dates as Python ones, the edit dialogs' layout,
and (from ui.form_errors, kept apart for the sign-in dialog's start) the validation-error banner."""

from __future__ import annotations

from collections.abc import Callable
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

from ui.form_errors import INVALID_STYLE as INVALID_STYLE
from ui.form_errors import clear_errors as clear_errors
from ui.form_errors import error_banner as error_banner
from ui.form_errors import grow_to_fit as grow_to_fit
from ui.form_errors import show_errors as show_errors

NO_DATE = QDate(1900, 1, 1)


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
