"""Where things live: the data folder (platformdirs), the database URL, resources.

A school's database belongs to the office PC, not to whoever signed in to Windows: on Windows the
default data folder is the machine-wide one (C:\\ProgramData\\hvdesk), so the head and the office
see the same school, and a roaming or mandatory profile cannot delete it at sign-out. IT can name
the database and the backup folder once for the machine, in hvdesk.ini in the machine config folder
(C:\\ProgramData\\hvdesk, /etc/hvdesk) or by Group Policy (the same names as registry values under
HKLM\\SOFTWARE\\Policies\\hvdesk, which win over the file). On Linux the default stays the
signed-in user's data folder, which a normal user can always write.

A PC upgraded from a per-user install keeps that user's school (never a new, empty machine-wide one
in its place) and says, every start, how IT moves it (README). Things IT should fix that do not stop
hvdesk (a misspelt hvdesk.ini key, that per-user school) are logged once and listed by
`start_notices()` for the window to show.
"""

from __future__ import annotations

import configparser
import contextlib
import difflib
import getpass
import importlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import site_data_path, user_data_path, user_documents_path

from hvdesk.errors import HvdeskError

APP_NAME = "hvdesk"
ENV_DATABASE_URL = "HVDESK_DATABASE_URL"
ENV_DATA_DIR = "HVDESK_DATA_DIR"
ENV_MACHINE_CONFIG_DIR = "HVDESK_MACHINE_CONFIG_DIR"
MACHINE_INI = "hvdesk.ini"
POLICY_KEY = r"SOFTWARE\Policies\hvdesk"
DB_FILE = "hvdesk.sqlite3"
INI_KEYS = ("database", "backup_folder")

log = logging.getLogger("hvdesk.config")
_NOTICES: dict[str, None] = {}  # in order, each logged once per process


def _notice(text: str) -> None:
    if text not in _NOTICES:
        _NOTICES[text] = None
        log.warning(text)


def machine_config_dir() -> Path:
    """The folder for settings that belong to the PC (and its keys), not to one Windows user."""
    override = os.environ.get(ENV_MACHINE_CONFIG_DIR)
    if override:
        return Path(override)
    if sys.platform == "win32":
        return site_data_path(APP_NAME, appauthor=False)  # C:\\ProgramData\\hvdesk
    return Path("/etc") / APP_NAME


@dataclass(frozen=True)
class MachineSettings:
    """What IT set for this PC: the database (path or URL) and the backup folder, and where from."""

    database: str | None = None
    backup_folder: Path | None = None
    source: str = ""


def _winreg() -> Any:
    """winreg, typed loosely: it exists only on Windows."""
    return importlib.import_module("winreg")


def _policy_values() -> dict[str, str]:
    """Group Policy: string values Database and BackupFolder under HKLM\\SOFTWARE\\Policies\\hvdesk."""
    if sys.platform != "win32":
        return {}
    winreg = _winreg()
    values: dict[str, str] = {}
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, POLICY_KEY) as key:
            for name in ("Database", "BackupFolder"):
                with contextlib.suppress(FileNotFoundError):
                    values[name.lower()] = str(winreg.QueryValueEx(key, name)[0])
    except OSError:
        return {}
    return values


def _ini_text(ini: Path) -> str:
    """UTF-8 (with or without Notepad's BOM), else Windows "ANSI": Inno Setup and older Notepad
    save cp1252, and a school name such as "St Marys CE Primary – Office" must not stop hvdesk."""
    raw = ini.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _unknown_key_notice(ini: Path, name: str) -> str:
    """A misspelt key would otherwise be ignored without a word (and the PC open another school)."""
    close = difflib.get_close_matches(name, INI_KEYS, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"{ini}: '{name}' is not an hvdesk setting and was ignored{hint}; the settings under "
        f"[hvdesk] are {' and '.join(INI_KEYS)}."
    )


def machine_settings() -> MachineSettings:
    """hvdesk.ini [hvdesk] database= / backup_folder=, with Group Policy values winning."""
    ini = machine_config_dir() / MACHINE_INI
    values: dict[str, str] = {}
    source = ""
    if ini.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(_ini_text(ini), source=str(ini))
        except configparser.Error as err:
            raise HvdeskError(
                f"{ini}: cannot be read ({str(err).splitlines()[0]}); it needs a [hvdesk] section "
                "with database = PATH or URL and backup_folder = PATH"
            ) from None
        if parser.has_section("hvdesk"):
            values = {k: v.strip() for k, v in parser.items("hvdesk") if v.strip()}
            source = str(ini)
            for name in values.keys() - set(INI_KEYS):
                _notice(_unknown_key_notice(ini, name))
    policy = _policy_values()
    if "database" in policy:
        values["database"] = policy["database"]
    if "backupfolder" in policy:
        values["backup_folder"] = policy["backupfolder"]
    if policy:
        source = f"Group Policy (HKLM\\{POLICY_KEY})"
    backup = values.get("backup_folder")
    return MachineSettings(values.get("database"), Path(backup) if backup else None, source)


def _default_data_path(windows: bool | None = None) -> Path:
    """Windows: the machine-wide folder, unless this user already has a school in their own folder
    (an install from before the machine-wide default). That school stays in use, even once someone
    else has started one in the machine folder: an office must never find its school empty after an
    upgrade. It is moved by IT, by hand (the key goes with it), as README says."""
    user = user_data_path(APP_NAME, appauthor=False)
    if not (sys.platform == "win32" if windows is None else windows):
        return user
    machine = site_data_path(APP_NAME, appauthor=False)
    if (user / DB_FILE).exists():
        _notice(_per_user_school_notice(user, machine))
        return user
    return machine


def _per_user_school_notice(user: Path, machine: Path) -> str:
    also = (
        f" There is also a school in {machine}: another Windows user started a separate one there."
        if (machine / DB_FILE).exists()
        else ""
    )
    return (
        f"This PC's school is still kept in {user}, inside the Windows profile of "
        f"{getpass.getuser()}: other Windows users of this PC see a different school, and a "
        f"roaming or temporary profile can lose it.{also} hvdesk keeps using it. To share it with "
        f"every user of this PC, IT moves it to {machine}: see README, 'Moving a school out of a "
        "Windows profile'."
    )


def start_notices() -> list[str]:
    """What IT should fix but does not stop hvdesk (each already logged when found; the data
    folder's once the database has been opened): for the window to show."""
    with contextlib.suppress(HvdeskError):  # a broken hvdesk.ini is refused when the database opens
        machine_settings()
    return list(_NOTICES)


def data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else _default_data_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_printouts_dir() -> Path:
    """Where printed forms are saved for the PDF viewer: a folder the office can find
    (Documents/hvdesk), not the hidden data folder. HVDESK_PRINTOUTS_DIR overrides it."""
    override = os.environ.get("HVDESK_PRINTOUTS_DIR")
    return Path(override) if override else user_documents_path() / APP_NAME


def default_database_path() -> Path:
    return data_dir() / DB_FILE


def database_url(arg: str | None = None) -> str:
    """--db beats HVDESK_DATABASE_URL beats the machine setting beats the file in the data folder.

    A value with '://' is a SQLAlchemy URL (postgresql+psycopg://...); anything else is a file path.
    A --db path must be in a folder that exists: a mistyped --db is refused rather than quietly
    starting a new, empty database (and its folders) somewhere unexpected.
    """
    if arg is not None:
        return _db_option_url(arg)
    value = os.environ.get(ENV_DATABASE_URL) or machine_settings().database or ""
    if not value:
        try:
            return f"sqlite:///{default_database_path()}"
        except PermissionError as err:
            from hvdesk.folder_access import folder_refused

            folder = Path(os.environ.get(ENV_DATA_DIR) or _default_data_path())
            raise folder_refused(folder / DB_FILE, err) from err
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError as err:
        from hvdesk.folder_access import folder_refused

        raise folder_refused(path, err) from err
    return f"sqlite:///{path}"


def _db_option_url(value: str) -> str:
    value = value.strip()
    if not value:
        raise HvdeskError("--db is empty; give a database file path or URL")
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    try:
        is_folder, parent_exists = path.is_dir(), path.parent.is_dir()
    except OSError as err:  # a data folder limited to a group this account is not in
        from hvdesk.folder_access import folder_refused

        raise folder_refused(path, err) from err
    if is_folder:
        raise HvdeskError(
            f"--db: {path} is a folder; give a database file name, e.g. {path / 'hvdesk.sqlite3'}"
        )
    if not parent_exists:
        raise HvdeskError(
            f"--db: folder {path.parent} does not exist; create it first or check the path"
        )
    return f"sqlite:///{path}"
