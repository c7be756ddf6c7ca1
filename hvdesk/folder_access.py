"""Why a database's folder cannot be reached, in words the office can take to IT.

A machine-wide school lives in a folder limited to the accounts that may open it (the hvdesk group
on a shared Linux PC, "hvdesk users" on Windows). An account outside that group meets a refusal as
soon as hvdesk looks at the path; it is said once, naming the folder and the group, never as a
traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hvdesk.errors import HvdeskError


def _closed_folder(path: Path) -> Path | None:
    """The outermost folder on the way to `path` this account may not enter, if any."""
    for folder in reversed(path.parents):
        if folder.is_symlink() and not folder.exists():
            return None
        if not os.access(folder, os.X_OK):
            return folder
    return None


def _group_of(folder: Path) -> str | None:
    """The folder's group by name (POSIX), or None where there is no such thing or no reply."""
    try:
        import grp

        return grp.getgrgid(folder.stat().st_gid).gr_name
    except (ImportError, KeyError, OSError):
        return None


def folder_refused(path: Path, err: OSError) -> HvdeskError:
    """The error to raise when looking at `path` (a database file or its folder) was refused."""
    folder = _closed_folder(path) or path.parent
    group = _group_of(folder)
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        mode = None
    reach = f"your account may not enter the folder {folder}"
    shown = f" (mode {mode:04o})" if mode is not None else ""
    if group and mode is not None and mode & stat.S_IXGRP:
        fix = f"ask IT to add your account to the {group} group (then sign out and in again)"
    elif group and mode is not None:
        fix = "only its owner may enter it: ask IT to share it with the hvdesk users' group"
    else:
        fix = "ask IT to add your account to the group of hvdesk users"
    return HvdeskError(
        f"{reach}{shown}, so it cannot reach the database {path} ({err.strerror or err}): "
        f"{fix}, or choose another database with --db. Nothing was changed."
    )
