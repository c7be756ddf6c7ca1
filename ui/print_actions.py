"""Print any form in one click from where it is needed: a visit, a staff member, the day.

The PDF is made off the GUI thread (ReportLab and the database must never freeze the tracker while
an alarm may be showing), saved in the printouts folder (Documents/hvdesk unless changed in
Settings, shown as a link in the status bar) and opened in the system's PDF viewer, from which it
is printed. Two seams for tests: `opener` (no real viewer) and ui.dialogs (no modal box).
"""

from __future__ import annotations

import contextlib
import html
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from hvdesk.clock import london
from hvdesk.config import default_printouts_dir
from hvdesk.errors import HvdeskError
from hvdesk.form_list import (
    APPOINTMENT_LETTER,
    CANCELLATION_LETTER,
    DAY_SHEET,
    FORM_LIST,
    LONE_WORKING,
    POLICE_SHEET,
    SAFETY_CANCELLATION,
    SORRY_SLIP,
    VISIT_RECORD,
)
from hvdesk.models import Role, Visit
from hvdesk.rules.visit_forms import visit_form_problem
from hvdesk.services.base import Actor
from ui import dialogs
from ui.a11y import ValueLabel
from ui.worker import Worker

if TYPE_CHECKING:
    from hvdesk.clock import Clock
    from hvdesk.db import Database
    from hvdesk.services.printing import Printout
    from ui.shell import Shell


class FormMaker(Protocol):
    """What makes a form: hvdesk.services.printing.PrintService, or PrintServiceOnUse."""

    clock: Clock

    def make(
        self,
        actor: Actor,
        form: str,
        *,
        visit_id: int | None = None,
        staff_id: int | None = None,
        day: date | None = None,
        alarm_id: int | None = None,
        print_safe_word: bool = False,
        path: Path | str | None = None,
    ) -> Printout: ...


class PrintServiceOnUse:
    """The window's PrintService, made at the first print (in print_form, on the worker):
    hvdesk.printing imports ReportLab (a few tenths of a second), which the window's start,
    building its print menus and toolbar, need not wait for."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self._service: FormMaker | None = None

    def make(self, actor: Actor, form: str, **selection: Any) -> Printout:
        if self._service is None:
            from hvdesk.services.printing import PrintService

            self._service = PrintService(self.db, self.clock)
        return self._service.make(actor, form, **selection)


# Printouts hold personal data: in a temporary folder they are cleared after a day. A folder the
# office chose (Documents/hvdesk by default) is theirs: nothing in it is deleted behind their back.
KEEP_PRINTOUTS_S = 24 * 3600
FOLDER_FIX = (
    "Choose a folder in Settings > This computer > Printouts folder (Choose…), or clear the "
    "field to use Documents/hvdesk."
)


def _open_in_viewer(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


PRINTOUTS_SETTING = "printouts/folder"  # this computer's choice (QSettings), not the school's


def chosen_printouts_folder() -> Path:
    value = QSettings().value(PRINTOUTS_SETTING, "")
    return Path(str(value)) if value else default_printouts_dir()


def folder_problem(folder: Path) -> str:
    """Why printouts cannot be saved in `folder`, in words ('' when they can): the field named
    and its fix, never an '[Errno 17] File exists'. Creates the folder when it is missing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        reason = "is a file, not a folder"
    except OSError as err:
        reason = f"cannot be used ({err.strerror or err})"
    else:
        return ""
    return f"Printouts folder: {folder} {reason}. {FOLDER_FIX}"


def _printouts_folder() -> Path:
    folder = chosen_printouts_folder()
    problem = folder_problem(folder)
    if problem:
        raise HvdeskError(problem)
    return folder


class _Saved(QObject):
    """Every printout saved, for the status bar's link to it."""

    saved = Signal(object)  # Path


saved_notice = _Saved()


# Seams: tests replace these (no viewer window, a temporary folder).
opener: Callable[[Path], bool] = _open_in_viewer
output_folder: Callable[[], Path] = _printouts_folder

_worker: Worker | None = None
_running: set[PrintJob] = set()


def _default_worker() -> Worker:
    """One serialised print worker for the app, so prints never run two at a time."""
    global _worker
    if _worker is None:
        _worker = Worker(QCoreApplication.instance())
    return _worker


def wait_for_prints(msecs: int = 10_000) -> bool:
    """Block until queued prints are made (app shutdown, tests)."""
    return _worker.wait(msecs) if _worker is not None else True


class PrintJob(QObject):
    """One print on its way; `finished` carries the PDF's path, `failed` the message shown."""

    finished = Signal(object)
    failed = Signal(str)


@dataclass(frozen=True)
class _Outcome:
    path: Path | None = None
    error: str = ""


def _file_name(
    form: str, visit_id: int | None, staff_id: int | None, day: date | None, alarm_id: int | None
) -> str:
    what = visit_id or staff_id or alarm_id or (day.isoformat() if day else "")
    return f"{form}-{what}-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10_000:04d}.pdf"


def _temporary(folder: Path) -> bool:
    temp = Path(tempfile.gettempdir()).resolve()
    return folder.resolve().is_relative_to(temp)


def _prune(folder: Path) -> None:
    """Old printouts go from a temporary folder only (see KEEP_PRINTOUTS_S)."""
    if not _temporary(folder):
        return
    cutoff = time.time() - KEEP_PRINTOUTS_S
    # only our own printouts: the folder may be one the office also keeps other PDFs in
    for old in (p for form in FORM_LIST for p in folder.glob(f"{form}-*.pdf")):
        with contextlib.suppress(OSError):  # still open in a viewer on Windows: next time
            if old.stat().st_mtime < cutoff:
                old.unlink()


def print_form(
    parent: QWidget | None,
    print_service: FormMaker,
    actor: Actor,
    form: str,
    *,
    visit_id: int | None = None,
    staff_id: int | None = None,
    day: date | None = None,
    alarm_id: int | None = None,
    print_safe_word: bool = False,
    worker: Worker | None = None,
) -> PrintJob:
    """Make the form off the GUI thread, then open it in the PDF viewer (or say what went wrong)."""
    title = FORM_LIST[form].title if form in FORM_LIST else form
    job = PrintJob()  # not parented: it must outlive a menu or dialog closed meanwhile
    _running.add(job)

    def make() -> _Outcome:  # worker thread: no widgets here
        try:
            folder = output_folder()
            _prune(folder)
            path = folder / _file_name(form, visit_id, staff_id, day, alarm_id)
            result = print_service.make(
                actor,
                form,
                visit_id=visit_id,
                staff_id=staff_id,
                day=day,
                alarm_id=alarm_id,
                print_safe_word=print_safe_word,
                path=path,
            )
            return _Outcome(path=result.path)
        except HvdeskError as err:
            return _Outcome(error=str(err))
        except OSError as err:
            return _Outcome(error=f"The printouts folder could not be used: {err}")

    def done(outcome: _Outcome) -> None:  # GUI thread
        _running.discard(job)
        if outcome.path is None:
            _report(job, parent, f"The {title} was not made.\n\n{outcome.error}")
            return
        saved_notice.saved.emit(outcome.path)
        if not opener(outcome.path):
            _report(
                job,
                parent,
                f"The {title} was saved as {outcome.path}, but no PDF viewer opened it. "
                "Open that file to print it, or install a PDF viewer.",
            )
            return
        job.finished.emit(outcome.path)

    def crashed(message: str) -> None:  # GUI thread: a bug, not the user's mistake
        _running.discard(job)
        first_line = message.splitlines()[0] if message else "unknown error"
        _report(job, parent, f"The {title} could not be made because of an error: {first_line}")

    (worker or _default_worker()).submit(make, done, crashed)
    return job


def _report(job: PrintJob, parent: QWidget | None, message: str) -> None:
    owner = parent if parent is not None and isValid(parent) else None  # it may have closed
    dialogs.inform(owner, "Printing", message, "error")
    job.failed.emit(message)


# Ready-made actions for menus and toolbars.

VISIT_FORMS: list[tuple[str, str]] = [
    (VISIT_RECORD, "Print visit record"),
    (APPOINTMENT_LETTER, "Print appointment letter"),
    (SORRY_SLIP, "Print 'sorry you weren't in' slip"),
    (POLICE_SHEET, "Print police information sheet"),
    (CANCELLATION_LETTER, "Print cancellation letter to the family"),
    (SAFETY_CANCELLATION, "Print safety cancellation note"),
]


def visit_form_applies(form: str, visit: Visit) -> bool:
    """Offer a form only where the print service would make it (one rule, without ReportLab:
    the menu opens on the GUI thread)."""
    return visit_form_problem(form, visit) is None


def _visit_printer(
    service: FormMaker, actor: Actor, form: str
) -> Callable[[Visit, QWidget], object]:
    def run(visit: Visit, parent: QWidget) -> object:
        return print_form(parent, service, actor, form, visit_id=visit.id)

    return run


def _action(parent: QWidget, label: str, run: Callable[[], object]) -> QAction:
    action = QAction(label, parent)
    action.triggered.connect(lambda _checked=False: run())
    return action


def form_actions_for_visit(
    parent: QWidget, print_service: FormMaker, actor: Actor, visit: Visit
) -> list[QAction]:
    """QActions printing each form that applies to this visit, for any screen's menu."""
    return [
        _action(
            parent,
            label,
            partial(print_form, parent, print_service, actor, form, visit_id=visit.id),
        )
        for form, label in VISIT_FORMS
        if visit_form_applies(form, visit)
    ]


def can_print_safe_word(actor: Actor) -> bool:
    return actor.user_id is not None and actor.role in (Role.OFFICE.value, Role.APPROVER.value)


def form_actions_for_staff(
    parent: QWidget, print_service: FormMaker, actor: Actor, staff_id: int
) -> list[QAction]:
    """The Lone Working form, blank safe word; office and approvers may also print it filled in."""
    actions = [
        _action(
            parent,
            "Print Lone Working Risk Assessment",
            lambda: print_form(parent, print_service, actor, LONE_WORKING, staff_id=staff_id),
        )
    ]
    if can_print_safe_word(actor):
        actions.append(
            _action(
                parent,
                "Print Lone Working Risk Assessment with safe word",
                lambda: print_form(
                    parent,
                    print_service,
                    actor,
                    LONE_WORKING,
                    staff_id=staff_id,
                    print_safe_word=True,
                ),
            )
        )
    return actions


def day_sheet_action(
    parent: QWidget,
    print_service: FormMaker,
    actor: Actor,
    day: Callable[[], date] | None = None,
) -> QAction:
    """'Print day sheet' for the day `day()` returns when clicked (today in London by default)."""

    def which() -> date:
        return day() if day is not None else london(print_service.clock.now()).date()

    return _action(
        parent,
        "Print day sheet",
        lambda: print_form(parent, print_service, actor, DAY_SHEET, day=which()),
    )


def install(window: Shell) -> None:
    """Put the visit forms in every visit menu and today's day sheet on the toolbar."""
    from ui.visit_actions import VisitAction

    service = PrintServiceOnUse(window.services.db, window.services.clock)
    for form, label in VISIT_FORMS:
        window.visit_actions.register(
            VisitAction(
                label,
                _visit_printer(service, window.actor, form),
                partial(visit_form_applies, form),
                group="print",
            )
        )
    window.add_toolbar_action(day_sheet_action(window.dialog_parent(), service, window.actor))

    def staff_forms(staff, button: QWidget) -> None:
        menu = QMenu(button)
        menu.setTitle("Print…")
        menu.setAccessibleName(f"Print forms for {staff.name}")
        for action in form_actions_for_staff(window.dialog_parent(), service, window.actor, staff.id):
            menu.addAction(action)
        menu.exec(button.mapToGlobal(button.rect().bottomLeft()))

    window.staff.add_staff_button("Print…", staff_forms)
    window.register(PrintFeature(_printouts_link(window), _printouts_setting(window)))


@dataclass(frozen=True)
class PrintFeature:
    """Where printouts go on this computer: the status bar link and the Settings field."""

    printout_label: QLabel
    folder_edit: QLineEdit


def _printouts_link(window: Shell) -> QLabel:
    """The status bar says where the last printout was saved, as a link that opens it."""
    label = ValueLabel("Last printout")
    label.setOpenExternalLinks(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    label.hide()

    def show(path: object) -> None:
        if not isValid(label):
            return
        p = Path(str(path))
        url = QUrl.fromLocalFile(str(p)).toString()
        folder = QUrl.fromLocalFile(str(p.parent)).toString()
        # the folder as a short link, its path in the tooltip: a OneDrive path alone would
        # take a whole line of the status bar
        label.setText(
            f"Saved: <a href='{url}'>{html.escape(p.name)}</a> "
            f"(<a href='{folder}'>open its folder</a>)"
        )
        label.setToolTip(f"Saved as {p}")
        label.setAccessibleDescription(f"in {p.parent}")
        label.show()

    saved_notice.saved.connect(show)
    window.statusBar().addPermanentWidget(label)
    return label


def _printouts_setting(window: Shell) -> QLineEdit:
    """Settings > This computer: the printouts folder (Documents/hvdesk unless changed)."""
    box = QGroupBox("This computer")
    path = QLineEdit(str(chosen_printouts_folder()))
    path.setAccessibleName("Printouts folder")
    path.setToolTip("Printed forms are saved here and opened in the PDF viewer")
    change = QPushButton("Choose…")
    change.setAccessibleName("Choose the printouts folder")

    def save(text: str) -> None:
        text = text.strip()
        problem = folder_problem(Path(text)) if text else ""
        if problem:  # refused here, not at the first print on the day of a visit
            path.setText(str(chosen_printouts_folder()))
            dialogs.inform(window.dialog_parent(), "Printouts folder not changed", problem, "warning")
            return
        QSettings().setValue(PRINTOUTS_SETTING, text if text else "")
        path.setText(str(chosen_printouts_folder()))

    def choose() -> None:
        folder = QFileDialog.getExistingDirectory(
            window.dialog_parent(), "Printouts folder", path.text())
        if folder:
            save(folder)

    path.editingFinished.connect(lambda: save(path.text()))
    change.clicked.connect(choose)
    row = QHBoxLayout(box)
    row.addWidget(QLabel("Printouts folder:"))
    row.addWidget(path, 1)
    row.addWidget(change)
    layout = window.settings.layout()
    if layout is not None:
        layout.addWidget(box)
    return path
