"""What starting hvdesk on an office PC adds: a log file, the crash handler, one copy only, and a
first-run warning when the school's database would sit in a Windows profile or a temp folder, and
at every start the notes for IT (a misspelt hvdesk.ini key, a school left in one user's profile)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from hvdesk.db import Database
    from ui.crash import CrashHandler
    from ui.single_instance import SingleInstance

log = logging.getLogger("hvdesk.start")


class Started:
    """This copy's start: the single-copy lock it holds, and what waits for the first dialog to be
    on screen (settle): the log file, and answering copies started later."""

    def __init__(self, single: SingleInstance, crash_handler: CrashHandler) -> None:
        self.single = single
        self.crash_handler = crash_handler
        self.settled = False

    def settle(self) -> None:
        """Once the sign-in dialog is painted (or when there is none); only the first call acts."""
        if not self.settled:
            self.settled = True
            self.crash_handler.log_path = _start_log()
            self.single.listen()


def _start_log() -> Path | None:
    from hvdesk.logs import setup_logging

    try:
        log_path: Path | None = setup_logging()
    except OSError:  # a read-only data folder must not stop monitoring
        log_path = None
    log.info("hvdesk starting")
    return log_path


def begin() -> Started | None:
    """The crash handler and the single-copy lock; None when another copy is running (it was told
    to come forward). The log file and the listening for later copies wait for settle(): the
    sign-in dialog is on screen first (logging, platformdirs and QtNetwork are not needed to draw
    it). A crash in those first tens of milliseconds is still shown to the office, its details
    on stderr only."""
    from ui import crash
    from ui.single_instance import SingleInstance

    handler = crash.install(None)
    single = SingleInstance()
    if single.acquire(listen=False):
        return Started(single, handler)
    handler.log_path = _start_log()
    if not single.notify():
        QMessageBox.information(
            None,
            "hvdesk is already running",
            "hvdesk is already running for you on this PC. Look for its icon in the system tray "
            "(beside the clock), or sign out and in again if it does not answer.",
        )
    return None


def warn_about_data_folder(parent: QWidget | None, db: Database) -> str | None:
    """On first run: say so when the database sits where a sign-out can take it away."""
    from hvdesk.profile_check import current_warning

    if not db.is_sqlite or not db.engine.url.database:
        return None
    warning = current_warning(str(Path(db.engine.url.database).resolve().parent))
    if warning:
        log.warning(warning)
        QMessageBox.warning(parent, "hvdesk: where the school's database is kept", warning)
    return warning


def show_start_notices(parent: QWidget | None) -> list[str]:
    """Once the database is open: what IT should fix that does not stop hvdesk (a misspelt
    hvdesk.ini key, a school still in one user's profile), already in the log, shown too."""
    from hvdesk.config import start_notices

    notices = start_notices()
    if notices:
        QMessageBox.warning(parent, "hvdesk: a note for IT", "\n\n".join(notices))
    return notices


def bring_forward(window: QWidget) -> None:
    """Another copy was started: show this one (from the tray too)."""
    from ui.main_window import MainWindow
    from ui.tracker.feature import TrackerFeature

    if isinstance(window, MainWindow):
        try:
            window.feature(TrackerFeature).close_guard.open_window()
            return
        except LookupError:
            pass
    window.showNormal()
    window.raise_()
    window.activateWindow()
