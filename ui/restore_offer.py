"""Start-up with a damaged database: offer the newest good backup, and say what would be lost.

The office must not be left with a refusal and no way back: when the SQLite file fails its check and
a backup passes `integrity_check`, the message offers "Restore the backup of Mon 30 Nov 19:06" and
names the hours since then. The damaged file is kept aside, never deleted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QWidget

from hvdesk import keystore
from hvdesk.backup_places import extra_backup_folders
from hvdesk.clock import Clock
from hvdesk.commands.common import connect
from hvdesk.config import database_url
from hvdesk.db import Database
from hvdesk.errors import HvdeskError
from hvdesk.in_use import alone
from hvdesk.restore import Backup, newest_good_backup, restore
from hvdesk.sqlcipher_files import check_file, is_plain_sqlite, may_be_encrypted
from ui import dialogs

TITLE = "hvdesk cannot open the database"
log = logging.getLogger("hvdesk.start")


def damaged_sqlite_file(arg: str | None) -> Path | None:
    """The database file, when it exists and fails its own check (a key that opens it is known)."""
    url = database_url(arg)
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.split(":///", 1)[1])
    if not path.exists():  # lost, not new, when its key is still kept (the offer needs a backup)
        return path if keystore.locate(str(path)) is not None else None
    if not path.is_file():
        return None
    if path.stat().st_size == 0:
        return path  # emptied: SQLite would open it as a sound, empty database
    if is_plain_sqlite(path):
        key = None
    else:
        key = keystore.locate(str(path))
        if key is None:
            return None  # a missing key is not damage: a backup would need the same key
    return None if check_file(path, key).ok else path


def encrypted_without_key(arg: str | None) -> Path | None:
    """The database file, when it is encrypted and hvdesk has no key for it (the key on the
    recovery sheet can be typed in: ui.key_import_dialog)."""
    url = database_url(arg)
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.split(":///", 1)[1])
    if not path.is_file() or not may_be_encrypted(path):
        return None
    return path if keystore.locate(str(path)) is None else None


def _lost(backup: Backup, clock: Clock) -> str:
    hours = (clock.now() - backup.taken_at).total_seconds() / 3600
    if hours < 1:
        return "anything recorded in the last hour"
    return f"anything recorded since then (about {round(hours)} hour{'s' if round(hours) != 1 else ''})"


def offer_text(error: str, backup: Backup, clock: Clock) -> str:
    return (
        f"{error}\n\nRestore the backup of {backup.label()}?\n"
        f"This would lose {_lost(backup, clock)}: check the paper records and re-enter it.\n"
        f"The damaged database is kept beside it, not deleted. Backup: {backup.path}"
    )


def open_or_offer_restore(
    arg: str | None, clock: Clock, parent: QWidget | None = None, single_seat: bool = False
) -> Database | None:
    """Open the database; if it is damaged and a good backup exists, offer to restore it."""
    try:
        return connect(arg, single_seat)
    except HvdeskError as err:
        error = str(err)
    try:
        no_key = encrypted_without_key(arg)
    except HvdeskError:
        no_key = None  # not a file hvdesk can look into: said below
    if no_key is not None:
        from ui.key_import_dialog import KeyImportDialog

        if not KeyImportDialog(no_key, error, parent).exec():
            return None
        return open_or_offer_restore(arg, clock, parent, single_seat)
    try:
        path = damaged_sqlite_file(arg)
        backup = newest_good_backup(path, extra_backup_folders(path)) if path else None
    except HvdeskError as err:  # e.g. --db names a folder that does not exist: said, not rc 2
        path, backup = None, None
        error = error if str(err) == error else f"{error}\n{err}"
    if path is None or backup is None:
        log.error("cannot open the database: %s", error)
        dialogs.inform(parent, TITLE, error, "error")
        return None
    if not dialogs.confirm(parent, TITLE, offer_text(error, backup, clock)):
        return None
    try:
        with alone(path, "restore"):  # not while a monitor still has the damaged file open
            kept = restore(backup.path, path, clock.now())
        db = connect(arg, single_seat)
    except HvdeskError as err:
        dialogs.inform(parent, TITLE, str(err), "error")
        return None
    kept_text = f"The damaged database is kept as {kept}." if kept else ""
    dialogs.inform(
        parent, "Backup restored", f"Restored the backup of {backup.label()}. {kept_text}"
    )
    return db
