"""A form's save off the GUI thread: the click returns at once, the form says "Saving…" and keeps
what was typed until the save is confirmed.

The same path as this seat's tracker presses (ui/tracker/saving.py): the write runs on the write
worker inside `attempt`, one service call and so one transaction, and comes back as an `Outcome` on
the GUI thread. A refusal from the service marks the fields it names (ui/forms.py); a database that
does not answer says what was NOT saved and to try again. Nothing is half-saved either way.

While a save is pending a second press does nothing (no double save) and a dialog cannot be closed
(Cancel, Esc, the close box): what was sent finishes or fails whole, and the person sees which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QLabel, QWidget

from hvdesk.errors import HvdeskError
from ui import dialogs
from ui.forms import clear_errors, grow_to_fit, show_errors
from ui.tracker.saving import Outcome, not_recorded, save
from ui.worker import Worker

SAVING_STYLE = "background: #e8eef7; color: #1a2b4a; border: 1px solid #8aa0c8; padding: 6px;"


class DialogSave(QObject):
    """One form's pending save: at most one at a time, its buttons held while it is written.

    `writer` is the window's write worker (in the order pressed with the seat's other writes); a
    form opened on its own (a test, a tool) gets a worker of its own, finishing what was pressed.
    """

    def __init__(
        self,
        form: QWidget,
        banner: QLabel,
        fields: Mapping[str, QWidget],
        what: str,
        writer: Worker | None = None,
        buttons: Sequence[QAbstractButton] = (),
        *,
        about: str = "",
    ) -> None:
        """`what`: the record in words ("outcome"); `about`: whose it is ("the Begum family"),
        where there is one; together they name the save if hvdesk closes before it is recorded."""
        super().__init__(form)
        self.about = about
        self.form, self.banner, self.fields, self.what = form, banner, fields, what
        self.writer = writer if writer is not None else Worker(form, finish_queued=True)
        self.buttons = list(buttons)
        self.busy = False
        self._held: list[QAbstractButton] = []
        self._style = banner.styleSheet()
        if isinstance(form, QDialog):
            form.installEventFilter(self)

    def report_on(self, banner: QLabel, fields: Mapping[str, QWidget]) -> None:
        """Say "Saving…" and what came back on `banner` from now on (a wizard: the page shown)."""
        if not self.busy:
            self.banner, self.fields = banner, fields

    def run(
        self,
        write: Callable[[], object],
        saved: Callable[[Any], None],
        refused: Callable[[HvdeskError], None] | None = None,
        *,
        about: str = "",
    ) -> bool:
        """Send `write` to the worker; `saved(result)` runs on the GUI thread once it is recorded,
        `refused(error)` if the service said no (by default: the banner names the fields).
        False (nothing sent) while an earlier save is still pending. `about`: whose record this
        one is (a list's row), instead of the form's."""
        if self.busy:
            return False
        clear_errors(self.banner, self.fields)
        self._hold(True)
        whose = about or self.about
        label = f"{self.what} for {whose}" if whose else self.what
        save(self.writer, write, lambda outcome: self._done(outcome, saved, refused), what=label)
        return True

    def _done(
        self,
        outcome: Outcome,
        saved: Callable[[Any], None],
        refused: Callable[[HvdeskError], None] | None,
    ) -> None:
        self._hold(False)
        if outcome.recorded:
            saved(outcome.result)
        elif outcome.failure is not None:
            (refused or self.show_refusal)(outcome.failure)
        else:
            self.banner.setText(not_recorded(self.what, outcome, kept=True))
            self.banner.show()
            grow_to_fit(self.banner.window())

    def show_refusal(self, err: HvdeskError) -> None:
        show_errors(self.banner, self.fields, err)

    def _hold(self, on: bool) -> None:
        """While saving: the buttons that could save or close are off, the banner says so."""
        self.busy = on
        if on:
            self._held = [b for b in self._buttons() if b.isEnabled()]
            for button in self._held:
                button.setEnabled(False)
            self.banner.setStyleSheet(SAVING_STYLE)
            self.banner.setText("Saving…")
            self.banner.show()
            return
        for button in self._held:
            button.setEnabled(True)
        self._held = []
        self.banner.setStyleSheet(self._style)
        self.banner.hide()

    def _buttons(self) -> list[QAbstractButton]:
        if self.buttons:
            return self.buttons
        return [b for box in self.form.findChildren(QDialogButtonBox) for b in box.buttons()]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A dialog whose save is pending is not closed (the close box, Esc)."""
        if not self.busy:
            return False
        if event.type() == QEvent.Type.Close:
            event.ignore()
            return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return bool(event.key() == Qt.Key.Key_Escape)
        return False


def write_then_show(
    parent: QWidget | None,
    writer: Worker,
    write: Callable[[], object],
    show: Callable[[Any], None],
    *,
    title: str,
    what: str,
) -> None:
    """An audited output (a printed report, a revealed safe word): its audit event is a write, so
    it runs on the write worker like any save; `show(result)` on the GUI thread once recorded (the
    PDF opened, the word shown). A refusal or a database not answering is said under `title`:
    nothing is shown that was not recorded. `show` must say it on `dialogs.alive(its parent)`:
    the dialog that asked may be closed (deleted) before the write comes back."""

    def answered(outcome: Outcome) -> None:
        if outcome.recorded:
            show(outcome.result)
        elif outcome.failure is not None:
            dialogs.inform(dialogs.alive(parent), title, outcome.refused, "warning")
        else:
            dialogs.inform(dialogs.alive(parent), title, not_recorded(what, outcome), "error")

    save(writer, write, answered, what=what)


def write_file_then_show(
    parent: QWidget | None,
    writer: Worker,
    path: Path,
    make: Callable[[], bytes],
    show: Callable[[Path], None],
    *,
    title: str,
    what: str,
    undone: str = "Not printed",
) -> None:
    """`write_then_show` for a file: `make()` (which records the audit event) then the file written
    on the write worker. A disk that refuses the file is said as such ("Not printed: <path>:
    <reason>"): the output was recorded, only the file is missing, so never "NOT recorded"."""

    def write() -> str:
        data = make()
        try:
            path.write_bytes(data)
        except OSError as err:
            return f"{path}: {err.strerror or err}"
        return ""

    def written(problem: str) -> None:
        if problem:
            dialogs.inform(dialogs.alive(parent), title, f"{undone}: {problem}", "warning")
        else:
            show(path)

    write_then_show(parent, writer, write, written, title=title, what=what)
