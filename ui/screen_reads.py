"""A screen's reads on the window's reader: the GUI thread never waits for the database.

Each screen (Staff, Users, Incidents, Settings, the Calendar, Agreements) asks through one
`LatestRead`: the read runs on the window's reader worker while the screen keeps its last rows and
its status line says "Loading…" (only once a read has taken SHOW_AFTER_MS, and never for a quiet
background refresh such as the calendar's minute: the screen does not jump, nor is a screen reader
told, at every read); only the newest request is shown (an older one that lands after
it is dropped, e.g. a week skipped past); a database that does not answer is said in words on the
status line ("shown as last read") and passed on (`failed`) so the status bar says since when.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QWidget
from shiboken6 import isValid

from hvdesk.errors import HvdeskError
from ui import dialogs
from ui.a11y import ink
from ui.worker import Worker

T = TypeVar("T")

LOADING = "Loading…"
SHOW_AFTER_MS = 300  # a read answered sooner shows no line (the layout does not move)
STATUS_INK = "#1a2b4a"  # ink(): the theme's own text colour where this would not read


def not_answering(what: str, message: str) -> str:
    """The words for a read that did not come back (the first line of the error, not a trace)."""
    first = message.splitlines()[0] if message else "no answer"
    return (
        f"The database is not answering: {what} shown as last read. It is read again when the "
        f"database answers, or press F5. ({first})"
    )


def not_opened(what: str, message: str) -> str:
    """The words for a dialog whose read did not come back: nothing opened, nothing lost."""
    first = message.splitlines()[0] if message else "no answer"
    return (
        f"The database is not answering: {what} could not be opened. Nothing was changed; try "
        f"again when the database answers. ({first})"
    )


class LatestRead(QObject):
    """The newest read of one screen wins; `line` (put it in the screen's layout) says how it is.

    Without the window's reader (a screen built on its own: a tool, a test) it reads on a worker of
    its own, never on the GUI thread."""

    failed = Signal(str)  # a read the database did not answer (the window says since when)

    def __init__(
        self, screen: QWidget, worker: Worker | None, what: str, *, loading: str = LOADING
    ) -> None:
        """`loading`: the words while a read is out ("": none, for a check re-read as one types:
        the last answer stays on show without a line blinking at each key)."""
        super().__init__(screen)
        self.worker = worker if worker is not None else Worker(screen)
        self.what, self.loading_text = what, loading
        self.asked = 0  # the newest request: an older answer is dropped
        self.pending = 0  # reads out (tests and the walk wait for none)
        self.line = QLabel()
        self.line.setObjectName("read_status")
        self.line.setStyleSheet(f"color: {ink(STATUS_INK)}; padding: 2px 4px;")
        self.line.setWordWrap(True)
        self.line.hide()
        self._loud = 0  # the request whose "Loading…" is due (0: none)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(SHOW_AFTER_MS)
        self._later.timeout.connect(self._say_loading)

    @property
    def loading(self) -> bool:
        return self.pending > 0

    def read(
        self,
        fn: Callable[[], T],
        show: Callable[[T], Any],
        *,
        priority: int = 0,
        quiet: bool = False,
    ) -> int:
        """Run `fn` on the reader; `show(result)` on the GUI thread if no newer read was asked
        meanwhile. "Loading…" only if it is still out after SHOW_AFTER_MS and not `quiet` (a
        background refresh). Returns the request's number."""
        self.asked += 1
        self.pending += 1
        asked = self.asked
        self._loud = 0 if quiet or not self.loading_text else asked
        if self._loud:
            self._later.start()
        self.worker.submit(
            fn,
            lambda result: self._answered(asked, show, result),
            lambda message: self._not_answered(asked, message),
            priority,
        )
        return asked

    def drop(self) -> None:
        """Whatever is out is no longer wanted (a newer answer came another way)."""
        self.asked += 1
        self._loud = 0
        self.line.hide()

    def _say_loading(self) -> None:
        if self._loud == self.asked and self.pending > 0 and isValid(self.line):
            self.line.setText(self.loading_text)
            self.line.show()

    def _answered(self, asked: int, show: Callable[[Any], Any], result: object) -> None:
        self.pending -= 1
        if asked != self.asked or not isValid(self.line):
            return  # stale (a newer request is out), or the screen was closed meanwhile
        self._loud = 0
        self.line.hide()
        self.line.clear()
        show(result)

    def _not_answered(self, asked: int, message: str) -> None:
        self.pending -= 1
        if not isValid(self.line):
            return  # the screen was closed meanwhile: nobody to tell
        self.failed.emit(message)
        if asked == self.asked:
            self._loud = 0
            self.line.setText(not_answering(self.what, message))
            self.line.show()


class _Skipped:
    """A request no longer the newest when the reader got to it: not read at all."""


_SKIPPED = _Skipped()


def _status_bar(parent: QWidget | None) -> QStatusBar | None:
    """The main window's status bar above `parent` (a dialog's parent chain), if any."""
    widget = parent
    while widget is not None and isValid(widget):
        if isinstance(widget, QMainWindow):
            return widget.statusBar()
        widget = widget.parentWidget()
    return None


class ReadThenOpen(QObject):
    """A dialog that needs a read opens once the read comes back, never from the GUI thread.

    Requests are numbered: only the newest opens (a second press, or another dialog opened
    meanwhile via `opened()`, drops an older answer, so a late read never closes or covers a
    form with typed words), and a request no longer the newest when the reader gets to it is
    not read at all (three presses cost one read); the status bar says "Opening …" while it is
    out, cleared when its answer comes or it is dropped; a parent closed meanwhile gives way to
    the main window."""

    def __init__(self, owner: QObject, worker: Worker | None) -> None:
        super().__init__(owner)
        self._worker = worker
        self.asked = 0
        # the "Opening …" said for the newest request still out: (status bar, words, number)
        self._saying: tuple[QStatusBar, str, int] | None = None

    @property
    def worker(self) -> Worker:
        if self._worker is None:  # on its own (a tool, a test): a worker of its own
            self._worker = Worker(self)
        return self._worker

    def opened(self) -> None:
        """A dialog was opened another way: any answer out is no longer wanted (nor its
        "Opening …")."""
        self.asked += 1
        if self._saying is not None:
            self._done_saying(self._saying[2])

    def _done_saying(self, asked: int) -> None:
        """Clear request `asked`'s "Opening …", unless a newer request has said its own since
        (or the status bar says something else now)."""
        if self._saying is None or self._saying[2] != asked:
            return
        status, saying, _asked = self._saying
        self._saying = None
        if isValid(status) and status.currentMessage() == saying:
            status.clearMessage()

    def open(
        self,
        parent: QWidget | None,
        read: Callable[[], T],
        open_: Callable[[QWidget | None, T], object],
        what: str,
        *,
        title: str = "Not opened",
        unanswered: Callable[[str], str] | None = None,
    ) -> int:
        """`read()` on the reader, then `open_(parent, result)` on the GUI thread if still the
        newest request; a refusal from the service (HvdeskError: e.g. the visit moved on) is said
        under `title`, a database that does not answer is said (`unanswered(error)`: the words
        when something was changed before, instead of not_opened's "nothing was changed").
        Returns the request's number."""
        self.asked += 1
        asked = self.asked
        status = _status_bar(parent)
        if status is not None:
            self._saying = (status, f"Opening {what}…", asked)
            status.showMessage(self._saying[1])

        def answered(result: T | HvdeskError | _Skipped) -> None:
            self._done_saying(asked)  # also when dropped: never left saying "Opening …"
            if asked != self.asked or isinstance(result, _Skipped):
                return
            if isinstance(result, HvdeskError):
                dialogs.inform(dialogs.alive(parent), title, str(result), "warning")
            else:
                open_(dialogs.alive(parent), result)

        def not_answered(message: str) -> None:
            self._done_saying(asked)
            if asked == self.asked:
                words = unanswered(message) if unanswered else not_opened(what, message)
                dialogs.inform(dialogs.alive(parent), title, words, "error")

        def refusing() -> T | HvdeskError | _Skipped:  # on the reader
            if asked != self.asked:  # pressed again meanwhile: only the newest is read
                return _SKIPPED
            try:
                return read()
            except HvdeskError as err:
                return err

        self.worker.submit(refusing, answered, not_answered)
        return asked
