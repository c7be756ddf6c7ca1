"""A follow-up visit booked from another screen (a broken agreement, a suggested attendance
visit): the booking form, filled in, opened once what it shows is read on the window's reader.

One place for both, so the form is built the same way as the Calendar's "New visit…"
(ui/calendar/controller.py): read_for_booking on the reader (ui/screen_reads.ReadThenOpen: the
newest request wins, a database that does not answer is said), never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hvdesk.models import Purpose
from ui.screen_reads import ReadThenOpen

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.booking_dialog import BookingDialog, BookingRead
    from ui.shell import Shell


def book_follow_up(
    window: Shell,
    opening: ReadThenOpen,
    household_id: int,
    pupil_id: int | None,
    notes: str,
    opened: Callable[[BookingDialog], object],
    *,
    title: str = "Not opened",
    unanswered: Callable[[str], str] | None = None,
) -> int:
    """Read on the reader, then open the booking form for an attendance visit to `household_id`
    with `notes`; `opened(dialog)` once it is built (to keep it and hear its `saved`).
    `title`, `unanswered`: what is said if the read is not answered (ReadThenOpen.open).
    Returns the request's number (a newer request drops this one)."""
    from hvdesk.services.booking import BookingService
    from ui import attendance
    from ui.booking_dialog import BookingDeps, BookingDialog, read_for_booking
    from ui.calendar.controller import approver_text

    services = window.services
    deps = BookingDeps(
        BookingService(services.db, services.clock), services.households, services.staff,
        services.clock,
    )  # fmt: skip

    def open_(parent: QWidget | None, read: BookingRead) -> None:
        dialog = BookingDialog(
            deps, window.actor, parent=parent, writer=window.writer, reader=window.worker,
            read=read,
        )  # fmt: skip
        dialog.prefill(household_id, pupil_id, Purpose.ATTENDANCE.value)
        dialog.notes.setPlainText(notes)
        opened(dialog)
        attendance.open_dialog(dialog)

    return opening.open(
        window.dialog_parent(),
        lambda: read_for_booking(deps, approver=lambda: approver_text(services)),
        open_,
        "the booking form",
        title=title,
        unanswered=unanswered,
    )
