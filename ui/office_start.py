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
    from ui.single_instance import SingleInstance

log = logging.getLogger("hvdesk.start")


def begin() -> SingleInstance | None:
    """Logging and the crash handler; then None when another copy is running (it was told to
    come forward), else the lock this copy holds until it quits."""
    from hvdesk.logs import setup_logging
    from ui import crash
    from ui.single_instance import SingleInstance

    try:
        log_path: Path | None = setup_logging()
    except OSError:  # a read-only data folder must not stop monitoring
        log_path = None
    crash.install(log_path)
    log.info("hvdesk starting")
    single = SingleInstance()
    if single.acquire():
        return single
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
