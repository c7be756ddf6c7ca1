"""Booking behaviour shared by the calendar, the menus and the visit actions.

Opens the booking, cancel and export dialogs window-modally with open() (never exec(): tests and
the live tracker keep running), moves visits after a confirmation that says what will happen, and
emits `changed` so every screen refreshes from the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from hvdesk.clock import fmt_datetime, fmt_time, london
from hvdesk.errors import HvdeskError, ValidationError
from hvdesk.models import Role, Staff, Visit, VisitStatus
from hvdesk.policy import PolicySettings
from hvdesk.rules.booking import (
    EDITABLE,
    F_LONE_REASON,
    F_OOH_REASON,
    F_RESPONSIBLE,
    BookingTimes,
    drop_start,
    move_to_day,
)
from hvdesk.services.base import Actor
from hvdesk.services.booking import BookingService, MovePreview
from hvdesk.services.cancellation import CANCELLABLE, CancellationService
from hvdesk.services.ics_export import IcsExportService
from hvdesk.services.visits import CalendarItem
from ui import dialogs
from ui.booking_dialog import BookingDeps, BookingDialog, BookingRead, read_for_booking
from ui.calendar.views import Drop
from ui.screen_reads import ReadThenOpen, not_answering
from ui.services import AppServices
from ui.tracker.saving import Outcome, attempt, not_recorded, save
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.calendar.export_dialog import ExportDialog

T = TypeVar("T")

# Problems a drag cannot fix: they need words typed on the booking form.
FORM_ONLY = {F_OOH_REASON, F_RESPONSIBLE, F_LONE_REASON}


def can_edit(visit: Visit) -> bool:
    return visit.status in EDITABLE


def can_cancel(visit: Visit) -> bool:
    return VisitStatus(visit.status) in CANCELLABLE


def can_submit(visit: Visit) -> bool:
    return visit.status == VisitStatus.DRAFT.value


def approver_text(services: AppServices) -> str:
    """'Linda Francis (Headteacher)': the people whose queue a sent visit lands in, so the person
    booking knows who to chase; 'the Headteacher' while nobody has an approver account."""
    title = services.settings.policy().approver_title
    names = [
        u.display_name
        for u in services.auth.list()
        if u.role == Role.APPROVER.value and getattr(u, "active", True)
    ]
    return f"{' or '.join(names)} ({title})" if names else f"the {title}"


class BookingController(QObject):
    changed = Signal()
    message = Signal(str)  # what just happened, for the calendar's message line
    booked = Signal(int)  # a new visit's id: the calendar shows it

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        parent: QObject | None = None,
        *,
        worker: Worker | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.actor, self.worker = services, actor, worker
        self.writer = writer  # the window's write worker: the forms and the moves save on it
        self.saving: set[int] = set()  # visits whose move or send is being saved
        self.booking = BookingService(services.db, services.clock)
        self.cancellation = CancellationService(services.db, services.clock)
        self.ics = IcsExportService(services.db, services.clock)
        self.deps = BookingDeps(self.booking, services.households, services.staff, services.clock)
        self.dialog: QDialog | None = None  # the dialog open now (tests reach it here)
        self.opening = ReadThenOpen(self, worker)  # a dialog's read, then the dialog
        self.export_folder: Path | None = None
        # Set by the risk-assessment feature: open the assessment of a just-booked visit.
        self.assess_after_booking: Callable[[int, QWidget | None], object] | None = None

    # --- dialogs -------------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> QDialog:
        self.opening.opened()  # a read still out for another dialog is dropped
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def new_visit(
        self,
        parent: QWidget | None,
        start: datetime | None = None,
        lead_staff_id: int | None = None,
    ) -> None:
        """What the form shows is read on the reader, then it opens (tests and tools find it
        in `dialog` once the reader has answered)."""
        deps, services = self.deps, self.services
        self._read_then_open(
            parent,
            lambda: read_for_booking(deps, approver=lambda: approver_text(services)),
            lambda parent, read: self._open_new(parent, read, start, lead_staff_id),
            "the booking form",
        )

    def _open_new(
        self,
        parent: QWidget | None,
        read: BookingRead,
        start: datetime | None,
        lead_staff_id: int | None,
    ) -> BookingDialog:
        dialog = BookingDialog(
            self.deps,
            self.actor,
            start=start,
            lead_staff_id=lead_staff_id,
            parent=parent,
            writer=self.writer,
            reader=self.worker,
            read=read,
        )
        dialog.saved.connect(lambda vid, d=dialog: self._saved(vid, d.result_message, new=True))
        dialog.saved.connect(lambda vid, d=dialog: self._assess_if_asked(vid, d, parent))
        self._open(dialog)
        return dialog

    def _assess_if_asked(
        self, visit_id: int, dialog: BookingDialog, parent: QWidget | None
    ) -> None:
        """'Book and assess now': the risk assessment follows the booking at once."""
        if dialog.assess_next and self.assess_after_booking is not None:
            self.assess_after_booking(visit_id, parent)

    def edit_visit(self, parent: QWidget | None, visit_id: int) -> None:
        """The visit's latest state and what the form shows are read on the reader, then the
        form opens (or says why the visit cannot be edited)."""
        deps, services = self.deps, self.services

        def read() -> BookingRead | Visit:
            visit = services.visits.get(visit_id)
            return read_for_booking(deps, visit) if can_edit(visit) else visit

        self._read_then_open(parent, read, self._open_edit, "the visit")

    def _open_edit(self, parent: QWidget | None, read: BookingRead | Visit) -> None:
        if isinstance(read, Visit):  # read as it is now: no longer editable
            dialogs.inform(
                parent,
                "This visit cannot be edited",
                f"Visit {read.id} is {read.status.replace('_', ' ')}. Only visits that have not "
                "started can be edited; on the day, use the tracker (e.g. running late).",
            )
            return
        dialog = BookingDialog(
            self.deps,
            self.actor,
            visit=read.visit,
            parent=parent,
            writer=self.writer,
            reader=self.worker,
            read=read,
        )
        dialog.saved.connect(lambda vid, d=dialog: self._saved(vid, d.result_message, new=False))
        self._open(dialog)

    def cancel_visit(self, parent: QWidget | None, visit_id: int) -> None:
        """The visit's latest state and the policy are read on the reader; the form opens then
        (a database that does not answer is said)."""
        services = self.services
        self._read_then_open(
            parent,
            lambda: (services.visits.get(visit_id), services.settings.policy()),
            lambda parent, read: self._open_cancel(parent, *read),
            "the visit",
        )

    def _read_then_open(
        self,
        parent: QWidget | None,
        read: Callable[[], T],
        open_: Callable[[QWidget | None, T], object],
        what: str,
    ) -> None:
        """Read what a dialog needs on the reader, then open it (ui/screen_reads.ReadThenOpen:
        dropped if another dialog was opened or asked for meanwhile); a dialog still open from
        before is never closed by the answer."""

        def opening(parent: QWidget | None, result: T) -> None:
            if self.dialog is not None and self.dialog.isVisible():  # open from before: kept
                dialogs.inform(
                    parent,
                    "Not opened",
                    f"{self.dialog.windowTitle()} is still open: finish or close it first.",
                )
                return
            open_(parent, result)

        self.opening.open(parent, read, opening, what)

    def _reader(self) -> Worker:
        """The window's reader (a worker of its own for a controller on its own)."""
        if self.worker is None:
            self.worker = Worker(self)
        return self.worker

    def _open_cancel(self, parent: QWidget | None, visit: Visit, policy: PolicySettings) -> None:
        if not can_cancel(visit):
            dialogs.inform(
                parent,
                "This visit cannot be cancelled",
                f"Visit {visit.id} is {visit.status.replace('_', ' ')}; only visits that have not "
                "yet returned can be cancelled.",
            )
            return
        from ui.cancel_dialog import CancelDialog, safety_note_printer  # at the first cancel

        dialog = CancelDialog(
            self.cancellation,
            self.actor,
            visit,
            policy,
            parent,
            print_note=safety_note_printer(self.services.db, self.services.clock),
            writer=self.writer,
        )
        dialog.cancelled.connect(lambda _v, _r, d=dialog: self._saved(0, d.result_message))
        self._open(dialog)

    def export(self, parent: QWidget | None, staff_id: int | None = None) -> None:
        """The staff and the policy the form shows are read on the reader, then it opens (in
        `dialog`); the export itself runs on the write worker."""
        services = self.services

        def read() -> tuple[list[Staff], PolicySettings, date]:
            today = london(services.clock.now()).date()
            return services.staff.list(), services.settings.policy(), today

        self._read_then_open(
            parent,
            read,
            lambda parent, got: self._open_export(parent, *got, staff_id),
            "the calendar export",
        )

    def _open_export(
        self,
        parent: QWidget | None,
        staff: list[Staff],
        policy: PolicySettings,
        today: date,
        staff_id: int | None,
    ) -> ExportDialog:
        from ui.calendar.export_dialog import ExportDialog  # at the first export, not the start

        dialog = ExportDialog(
            self.ics,
            self.actor,
            staff,
            policy,
            today,
            staff_id=staff_id,
            folder=self.export_folder,
            writer=self.writer,
            parent=parent,
        )
        dialog.exported.connect(self._exported)
        self._open(dialog)
        return dialog

    def _exported(self, text: str) -> None:
        self.message.emit(text)
        dialogs.inform(None, "Calendar exported", f"{text}\n\nImport it into Outlook.")

    def _saved(self, visit_id: int, text: str, *, new: bool = False) -> None:
        self.message.emit(text)
        self.changed.emit()
        if new and visit_id:
            self.booked.emit(visit_id)

    # --- direct actions ------------------------------------------------------------------------
    def send_for_approval(
        self, parent: QWidget | None, visit_id: int, household: str = ""
    ) -> bool:
        """Send a draft to the approver, on the write worker. False when not sent (a send or
        move of this visit is still being saved). `household`: its family, to name the send."""

        def refused(err: HvdeskError) -> str:
            if not isinstance(err, ValidationError):
                return str(err)
            problems = "\n".join(f"• {e.field}: {e.message}" for e in err.errors)
            return (
                f"Visit {visit_id} needs changes first:\n{problems}\n\nEdit the visit to fix them."
            )

        return self._write(
            parent,
            visit_id,
            "Not sent for approval",
            lambda: self.booking.submit(self.actor, visit_id),
            lambda result: self._saved(visit_id, result.message),
            refused,
            what=f"sending visit {visit_id}{f' ({household})' if household else ''} for approval",
        )

    def _write(
        self,
        parent: QWidget | None,
        visit_id: int,
        title: str,
        write: Callable[[], Any],
        done: Callable[[Any], None],
        refused: Callable[[HvdeskError], str] = str,
        *,
        what: str,
    ) -> bool:
        """One change to a visit, on the window's write worker (ui/tracker/saving.py): the
        calendar says so while it is saved and nothing else is done to that visit meanwhile;
        a refusal or a database not answering is said, with the latest state shown again."""
        if visit_id in self.saving:
            return False
        self.saving.add(visit_id)
        self.message.emit(f"Saving visit {visit_id}…")

        def answered(outcome: Outcome) -> None:
            self.saving.discard(visit_id)
            if outcome.recorded:
                done(outcome.result)
                return
            self.message.emit("")
            if outcome.failure is not None:
                dialogs.inform(parent, title, refused(outcome.failure), "warning")
                self.changed.emit()  # show the latest state (e.g. changed on another seat)
            else:
                dialogs.inform(parent, title, not_recorded("change", outcome), "error")

        save(self.writer or self._own_writer(), write, answered, what=what)
        return True

    def _own_writer(self) -> Worker:
        """Without the window's write worker (a controller on its own): one of its own."""
        self.writer = Worker(self, finish_queued=True)
        return self.writer

    def move(self, parent: QWidget | None, item: CalendarItem, drop: Drop) -> bool:
        """A drop on the calendar: preview it on the reader (the clashes need the database), say
        what will happen, confirm, then move on the write worker. False when nothing was sent
        (this visit's last move or preview is still out)."""
        if item.id in self.saving:  # its last move is still being previewed or saved
            return False
        times = BookingTimes(item.planned_departure, item.start, item.end, item.expected_return)
        if drop.top_minutes is None:
            new_start = move_to_day(times, drop.day)
        else:
            new_start = drop_start(times, drop.day, drop.top_minutes)
        reassigning = (
            drop.from_staff_id is not None
            and drop.to_staff_id is not None
            and drop.from_staff_id != drop.to_staff_id
        )
        kwargs = (
            {"reassign_from": drop.from_staff_id, "reassign_to": drop.to_staff_id}
            if reassigning
            else {}
        )
        booking, staff, to_staff = self.booking, self.services.staff, drop.to_staff_id

        def read() -> tuple[MovePreview, str]:  # on the reader
            preview = booking.preview_move(item.id, new_start, **kwargs)
            person = staff.get(to_staff).name if reassigning and to_staff is not None else ""
            return preview, person

        self.saving.add(item.id)
        self._reader().submit(
            lambda: attempt(read),
            lambda outcome: self._previewed(parent, item, drop, new_start, kwargs, outcome),
        )
        return True

    def _previewed(
        self,
        parent: QWidget | None,
        item: CalendarItem,
        drop: Drop,
        new_start: datetime,
        kwargs: dict[str, Any],
        outcome: Outcome,
    ) -> None:
        """On the GUI thread: refused, confirmed, or sent to the write worker."""
        self.saving.discard(item.id)
        if not outcome.recorded:
            text = outcome.refused or not_answering("the visit", outcome.error)
            dialogs.inform(
                parent, "Visit not moved", text, "warning" if outcome.refused else "error"
            )
            return
        preview, person = cast(tuple[MovePreview, str], outcome.result)
        after = preview.after
        if not preview.check.ok:
            problems = "\n".join(f"• {e.field}: {e.message}" for e in preview.check.errors)
            needs_form = {e.field for e in preview.check.errors} & FORM_ONLY
            hint = (
                "\n\nTo move it there, open it with Edit… and give the "
                + " and ".join(sorted(f.lower() for f in needs_form))
                + "."
                if needs_form
                else ""
            )
            dialogs.inform(
                parent,
                "Visit not moved",
                f"Visit {item.id} ({item.household_name}) cannot move to "
                f"{fmt_datetime(after.start)}:\n{problems}{hint}",
                "warning",
            )
            return
        if not preview.changes and (preview.lead_staff_id, preview.companion_staff_id) == (
            item.lead_staff_id,
            item.companion_staff_id,
        ):
            return
        lines = [
            f"Move visit {item.id} ({item.household_name}) to {fmt_datetime(after.start)}–"
            f"{fmt_time(after.end)}?",
            f"Staff leave school {fmt_time(after.planned_departure)} and are back by "
            f"{fmt_time(after.expected_return)}.",
        ]
        if person:
            names: dict[int | None, str] = {item.lead_staff_id: item.lead_name}
            if item.companion_staff_id is not None:
                names[item.companion_staff_id] = item.companion_name
            lines.append(f"{names.get(drop.from_staff_id, 'They')} hands the visit to {person}.")
        lines += [f"⚠ {n.field}: {n.message}" for n in preview.check.warnings]
        if preview.sends_back:
            lines.append(preview.message)
        if not dialogs.confirm(parent, "Move visit", "\n\n".join(lines)):
            return
        self._write(
            parent,
            item.id,
            "Visit not moved",
            lambda: self.booking.move(
                self.actor, item.id, new_start, row_version=item.row_version, **kwargs
            ),
            lambda result: self._saved(item.id, result.message),
            what=f"moving visit {item.id} ({item.household_name})",
        )
