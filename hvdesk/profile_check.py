"""Is the data folder somewhere a Windows sign-out can take it away?

A roaming profile copies AppData\\Roaming to a server and back (a live SQLite file and its -wal
copied apart is a damaged database); a mandatory or temporary profile is deleted at sign-out, taking
the database and its backups with it; and any folder inside one user's profile is invisible to the
other Windows users of the office PC. The check is pure: the environment and whether the profile
roams are arguments.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath

WHY_MACHINE = (
    "Ask IT to set the machine-wide database (hvdesk.ini in C:\\ProgramData\\hvdesk, or Group "
    "Policy): see README, 'Windows office PCs'."
)


def _inside(folder: str, root: str | None, windows: bool) -> bool:
    if not root:
        return False
    if windows:
        f = [p.lower() for p in PureWindowsPath(folder).parts]
        r = [p.lower() for p in PureWindowsPath(root).parts]
    else:
        f, r = list(PurePosixPath(folder).parts), list(PurePosixPath(root).parts)
    return f[: len(r)] == r


def data_folder_warning(
    folder: str, env: Mapping[str, str], *, windows: bool, profile_roams: bool = False
) -> str | None:
    """A sentence for the office when the data folder may vanish or is one user's only; else None."""
    where = f"hvdesk keeps the school's database in {folder}"
    temp_roots = [env.get("TEMP"), env.get("TMP")] + ([] if windows else [tempfile.gettempdir()])
    if any(_inside(folder, root, windows) for root in temp_roots) or (
        not windows and _inside(folder, "/tmp", windows)
    ):
        return f"{where}, a temporary folder that is emptied without warning. {WHY_MACHINE}"
    if not windows:
        return None
    profile = env.get("USERPROFILE", "")
    if _inside(folder, profile, True) and PureWindowsPath(profile).name.upper().startswith("TEMP"):
        return (
            f"{where}, inside a temporary profile: Windows deletes it, database and backups, at "
            f"sign-out. {WHY_MACHINE}"
        )
    if _inside(folder, env.get("APPDATA"), True) or (
        profile_roams and _inside(folder, profile, True)
    ):
        return (
            f"{where}, inside a roaming profile: copying it to the server at sign-out can damage "
            f"it, and a mandatory profile deletes it. {WHY_MACHINE}"
        )
    if _inside(folder, profile, True):
        return (
            f"{where}, inside this user's Windows profile: other Windows users on this PC will "
            f"see an empty school. {WHY_MACHINE}"
        )
    return None


def current_warning(folder: str) -> str | None:
    """The warning for this machine and user (asks Windows whether the profile roams)."""
    import os
    import sys

    from hvdesk.platform import current

    windows = sys.platform == "win32"
    roams = bool(windows and current().profile_roams())
    return data_folder_warning(folder, dict(os.environ), windows=windows, profile_roams=roams)
