"""Who has this SQLite database open, so a key rotation, restore or encrypt never runs under them.

Those three replace the database file. A window or monitor that still has the old file open keeps
writing to it (or to its WAL) after the swap, and its work is lost or split between two files. So:

- every long-lived hvdesk process on the file (the window, the headless monitor) holds an exclusive
  OS lock on its own small file in `<database>.in-use/`, with a line saying who it is and how to
  stop it; a process that dies loses its lock with it, so a crash leaves nothing that blocks;
- a command that replaces the file first takes `maintenance.lock` there, then tries every holder's
  file: one it cannot lock belongs to a live process, and the command is refused naming it.

Each side takes its own lock before looking at the other's, so a window starting during a restore
either is seen by the restore or sees the restore and waits for it, never neither.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from hvdesk.errors import HvdeskError
from hvdesk.shared_access import share_beside

if TYPE_CHECKING:
    from hvdesk.db import Database

log = logging.getLogger(__name__)
MAINTENANCE = "maintenance.lock"
_LOCK_AT = 1 << 30  # Windows locks a byte range: one far past the text, which stays readable


def folder(db_path: Path) -> Path:
    return db_path.resolve().with_name(db_path.name + ".in-use")


def _try_lock(handle: IO[str]) -> bool:
    """An exclusive, non-blocking lock on the open file; False when another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(_LOCK_AT)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            handle.seek(0)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            handle.seek(_LOCK_AT)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()


def _maintenance_free(where: Path, tries: int = 20) -> bool:
    """No restore, rotation or encrypt under way. Another window or monitor starting at the same
    moment takes the same lock for an instant only, so a refusal is retried for about a second."""
    for attempt in range(tries):
        busy = (where / MAINTENANCE).open("a+")
        free = _try_lock(busy)
        _unlock(busy)
        if free:
            return True
        if attempt + 1 < tries:
            time.sleep(0.05)
    return False


class Holder:
    """This process has the database open: its lock file, held until release()."""

    def __init__(self, db_path: Path, who: str) -> None:
        self.dir = folder(db_path)
        self._db_path = db_path
        self.file = self.dir / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.lock"
        self.who = who
        self._handle: IO[str] | None = None

    def hold(self) -> Holder:
        """Take the lock; refused while a restore, key rotation or encrypt is replacing the file."""
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / MAINTENANCE).touch()
        share_beside(self._db_path, self.dir, self.dir / MAINTENANCE)  # every member's window
        handle = self.file.open("w+")
        handle.write(self.who + "\n")
        handle.flush()
        if not _try_lock(handle):
            handle.close()
            raise HvdeskError(f"{self.file}: could not lock this hvdesk's in-use file")
        self._handle = handle
        if not _maintenance_free(self.dir):
            self.release()
            raise HvdeskError(
                f"{db_path_of(self.dir)} is being restored, re-keyed or encrypted by an hvdesk "
                "command right now. Wait for it to finish, then start hvdesk again."
            )
        return self

    def release(self) -> None:
        if self._handle is not None:
            _unlock(self._handle)
            self._handle = None
            self.file.unlink(missing_ok=True)


def db_path_of(in_use_dir: Path) -> Path:
    return in_use_dir.with_name(in_use_dir.name.removesuffix(".in-use"))


def this_process(what: str) -> str:
    """'the hvdesk window of jpatel (pid 4242 on OFFICE-PC)': how a holder names itself."""
    import getpass

    try:
        user = getpass.getuser()
    except Exception:  # a service account without a user name
        user = "?"
    return f"{what} of {user} (pid {os.getpid()} on {socket.gethostname()})"


def hold(db_path: Path | None, who: str) -> Holder | None:
    """Hold the database open for a window or monitor (None: not a file, nothing to hold)."""
    if db_path is None:
        return None
    try:
        return Holder(db_path, who).hold()
    except OSError as err:  # a read-only folder must not stop monitoring: carry on unmarked
        log.warning(
            "cannot mark %s as in use (%s); restore and key rotate cannot see this", db_path, err
        )
        return None


def live_holders(db_path: Path) -> list[str]:
    """Who has the database open now, each in their own words; a dead holder's file is removed."""
    where = folder(db_path)
    found = []
    for path in sorted(where.glob("*.lock")) if where.is_dir() else []:
        if path.name == MAINTENANCE:
            continue
        try:
            handle = path.open("r+")
        except OSError:
            continue
        who = handle.read().strip() or path.stem
        if _try_lock(handle):  # nobody holds it: a process that ended without tidying up
            _unlock(handle)
            path.unlink(missing_ok=True)
        else:
            handle.close()
            found.append(who)
    return found


@contextlib.contextmanager
def alone(
    db_path: Path,
    doing: str,
    others: list[str] | None = None,
    unchanged: str = "Nothing was changed.",
) -> Iterator[None]:
    """Run `doing` (e.g. "key rotate") only while no other hvdesk has the database open.

    `unchanged` is what a refusal promises: a command that signed an admin in first has already
    written that sign-in to the audit trail, so it says what it did not change (the key).

    `others` adds holders known another way (a live monitor lease in the database). While inside,
    a window or monitor that starts is refused until this finishes.
    """
    where = folder(db_path)
    where.mkdir(parents=True, exist_ok=True)
    handle = (where / MAINTENANCE).open("a+")
    share_beside(db_path, where, where / MAINTENANCE)
    if not _try_lock(handle):
        handle.close()
        raise HvdeskError(
            f"{doing}: another hvdesk command is already restoring, re-keying or encrypting "
            f"{db_path}; wait for it to finish. {unchanged}"
        )
    try:
        holders = [*live_holders(db_path), *(others or [])]
        if holders:
            raise HvdeskError(
                f"{doing}: {db_path} is open in another hvdesk: {'; '.join(holders)}. Close it "
                "first (a window: File > Quit or its tray icon's Quit; a monitor: Ctrl+C in its "
                f"window, or stop its service), then run this again. {unchanged}"
            )
        yield
    finally:
        _unlock(handle)


def lease_holders(db: Database) -> list[str]:
    """A live monitoring lease in the database: a monitor or window that holds it has the file
    open, even one started by an hvdesk older than the in-use files."""
    from hvdesk.clock import SystemClock
    from hvdesk.notify import lease

    try:
        status = lease.status(db)
    except Exception:  # a damaged database has no readable lease: the in-use files still count
        return []
    now = SystemClock().now()
    if not status.alive(now):
        return []
    what = {lease.MONITOR: "the hvdesk monitor", lease.WINDOW: "an hvdesk window"}.get(
        status.kind, "an hvdesk command"
    )
    return [
        f"{what} {status.holder} (its monitoring lease is live; if it has stopped, the lease "
        "runs out within a minute)"
    ]
