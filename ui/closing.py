"""Closing the window while this seat's writes are not yet recorded: said, never silently lost.

A check-in or an outcome pressed just before closing is on the write worker. Closing first waits
for it while the window keeps painting (the status bar says so); if the database does not answer
within CLOSE_WAIT_MS, the person is told in words which changes are not yet recorded and chooses:
wait (the window stays open and they are recorded as soon as the database answers) or close
anyway (logged by name; they are still tried in the background, for at most EXIT_WAIT_MS once
the last window has gone; then those not done are lost and listed in the log:
ui/worker.finish_abandoned).

Installed by MainWindow.start(), after the features: an event filter installed last runs first,
so this is asked before the tracker stops monitoring for the close.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QMainWindow

from ui import dialogs
from ui.worker import EXIT_WAIT_MS, Worker

log = logging.getLogger(__name__)

CLOSE_WAIT_MS = 10_000  # how long a close waits for the writes pressed before asking


def changes(n: int) -> str:
    return f"{n} change{'s' if n != 1 else ''}"


def not_recorded_text(left: list[str]) -> str:
    """The question: what is not yet recorded, and what each answer does."""
    listed = "\n".join(f"• {what}" for what in left)
    return (
        f"{changes(len(left))} not yet recorded: the database is not answering.\n\n{listed}\n\n"
        f"Close hvdesk anyway? hvdesk keeps trying them for up to {EXIT_WAIT_MS // 1000} seconds "
        "after it has closed; any not recorded by then are lost and listed in the log: note "
        "them and check they are there when hvdesk is back.\n\n"
        "No: hvdesk stays open and records them as soon as the database answers."
    )


class UnsavedOnClose(QObject):
    """The window's close waits for its writer, then asks (see the module's docstring)."""

    def __init__(self, window: QMainWindow, writer: Worker, wait_ms: int = CLOSE_WAIT_MS) -> None:
        super().__init__(window)
        self.window, self.writer, self.wait_ms = window, writer, wait_ms
        self.closed = False  # the window really closed (MainWindow.closeEvent accepted)
        self.session_ending = False  # a sign-out or shutdown: nobody may be there to answer
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.window or event.type() != QEvent.Type.Close:
            return False
        if not self.writer.waits or self.writer.outstanding == 0:
            return False  # nothing pressed is pending, or already closing anyway
        ending = self.session_ending  # read now: the wait below runs the event loop
        status = self.window.statusBar()
        n = self.writer.outstanding  # the tracker's words for the same (ui/tracker/feature.py)
        status.showMessage(f"Saving {n} record{'s' if n != 1 else ''} before closing…")
        if self.writer.wait_settled(self.wait_ms):  # the window paints meanwhile
            return False
        left = self.writer.not_done()
        if not left:
            return False  # done; only their answers are still on the way
        if ending:  # no question that waits for ever: the shutdown was told to wait
            event.ignore()
            log.warning("The session's close was refused: %s not yet recorded", changes(len(left)))
            status.showMessage(
                f"{changes(len(left))} not yet recorded: hvdesk asked the computer to wait and "
                "records them as soon as the database answers."
            )
            return True
        anyway = dialogs.confirm(self.window, "Changes not yet recorded", not_recorded_text(left))
        left = self.writer.not_done()  # as it is now: the database may have answered meanwhile
        if not left:
            return False  # recorded while the question was open: nothing to wait for
        if anyway:
            log.warning(
                "Closed anyway with %s not yet recorded (tried until hvdesk exits, then lost): %s",
                changes(len(left)),
                "; ".join(left),
            )
            self.writer.waits = False  # the tracker's and the window's own drains do not wait
            QTimer.singleShot(0, self, self._if_still_open)
            return False
        event.ignore()
        status.showMessage(
            f"{changes(len(left))} not yet recorded: hvdesk stays open and records them as soon "
            "as the database answers."
        )
        return True

    def session_ends(self) -> None:
        """The session's end (ui/office_pc.DutyKeeper.commit_data): the close it tries now does
        not ask (nobody may be there), and waits at most `wait_ms`."""
        self.session_ending = True
        QTimer.singleShot(0, self, self._session_went_on)

    def _session_went_on(self) -> None:
        self.session_ending = False

    def _if_still_open(self) -> None:
        """Another part refused the close (the tracker: stop monitoring? No, or keep monitoring
        in the tray, where the window is hidden but not closed): the next close waits and asks
        again. Only a close that went ahead (`closed`, set by the window) keeps not waiting."""
        if not self.closed:
            self.writer.waits = True
