"""Who may write a machine-wide school's files on a shared Linux PC: the hvdesk group.

Members of the key group can read the database key, so they must also be able to write the
database itself, its -wal and -shm (SQLite gives them the database file's mode) and the backups;
files made with the default umask (0644, the maker's own group) would let only the account that set
up write the school. So every such file is 0660 with the group, its folder 2770 (setgid: files a
member makes later take the group), and a file made to replace another (a re-keyed or encrypted
copy, a restored backup) keeps the mode and group of the one it replaces. Only where the group
exists, and only for files this account owns; elsewhere (Windows: the folder's ACL) nothing here
applies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import sys
from pathlib import Path

log = logging.getLogger("hvdesk.shared_access")
FILE_MODE = 0o660
FOLDER_MODE = 0o2770


def machine_group(db_path: Path) -> int | None:
    """The key group's id when `db_path` is the PC's machine-wide database on Linux and the group
    exists; None otherwise (a per-user database stays its owner's)."""
    if not sys.platform.startswith("linux"):
        return None
    from hvdesk import keystore, platform

    if not keystore.is_machine_wide(str(db_path)):
        return None
    import grp

    try:
        return grp.getgrnam(platform.current().key_group).gr_gid
    except KeyError:
        return None


def _give(path: Path, gid: int, mode: int) -> None:
    """chown to the group, then chmod (chown by a non-root account clears setgid)."""
    try:
        os.chown(path, -1, gid)
        os.chmod(path, mode)
    except PermissionError as err:  # another member's file, or not in the group: left as it is
        log.warning("could not share %s with the hvdesk group: %s", path, err.strerror or err)


def share_database(db_path: Path) -> None:
    """The database, its -wal/-shm and its folder, for every member of the key group."""
    gid = machine_group(db_path)
    if gid is None:
        return
    _share_folder(db_path.parent, gid)
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        if path.exists() and path.stat().st_uid == os.geteuid():
            _give(path, gid, FILE_MODE)


def share_backup(db_path: Path, made: Path) -> None:
    """A backup of a machine-wide database (and its folder) for every member of the group."""
    gid = machine_group(db_path)
    if gid is None:
        return
    _share_folder(made.parent, gid)
    _give(made, gid, FILE_MODE)


def _share_folder(folder: Path, gid: int) -> None:
    shown = folder.stat()
    if shown.st_uid != os.geteuid():
        return  # IT's folder: IT set it
    if shown.st_gid != gid or stat.S_IMODE(shown.st_mode) != FOLDER_MODE:
        _give(folder, gid, FOLDER_MODE)


def keep_access(replaced: Path, made: Path) -> None:
    """Give `made` (about to take the place of `replaced`) the replaced file's mode and group, so
    a rotation, restore or encryption never takes the school away from the group."""
    if os.name != "posix":
        return
    try:
        shown = replaced.stat()
    except FileNotFoundError:
        return
    with contextlib.suppress(PermissionError):
        os.chown(made, -1, shown.st_gid)
    os.chmod(made, stat.S_IMODE(shown.st_mode))


def share_beside(db_path: Path, *paths: Path) -> None:
    """Files and folders hvdesk keeps beside a machine-wide database (the in-use folder, its
    maintenance lock) that every member must create files in or open for writing."""
    gid = machine_group(db_path)
    if gid is None:
        return
    for path in paths:
        if path.exists() and path.stat().st_uid == os.geteuid():
            _give(path, gid, FOLDER_MODE if path.is_dir() else FILE_MODE)
