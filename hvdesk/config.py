"""Where things live: the data folder (platformdirs), the database URL, resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_path, user_documents_path

from hvdesk.errors import HvdeskError

APP_NAME = "hvdesk"
ENV_DATABASE_URL = "HVDESK_DATABASE_URL"


def data_dir() -> Path:
    override = os.environ.get("HVDESK_DATA_DIR")
    path = Path(override) if override else user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_printouts_dir() -> Path:
    """Where printed forms are saved for the PDF viewer: a folder the office can find
    (Documents/hvdesk), not the hidden data folder. HVDESK_PRINTOUTS_DIR overrides it."""
    override = os.environ.get("HVDESK_PRINTOUTS_DIR")
    return Path(override) if override else user_documents_path() / APP_NAME


def default_database_path() -> Path:
    return data_dir() / "hvdesk.sqlite3"


def database_url(arg: str | None = None) -> str:
    """--db beats HVDESK_DATABASE_URL beats the SQLite file in the user's data folder.

    A value with '://' is a SQLAlchemy URL (postgresql+psycopg://...); anything else is a file path.
    A --db path must be in a folder that exists: a mistyped --db is refused rather than quietly
    starting a new, empty database (and its folders) somewhere unexpected.
    """
    if arg is not None:
        return _db_option_url(arg)
    value = os.environ.get(ENV_DATABASE_URL) or ""
    if not value:
        return f"sqlite:///{default_database_path()}"
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _db_option_url(value: str) -> str:
    value = value.strip()
    if not value:
        raise HvdeskError("--db is empty; give a database file path or URL")
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    if path.is_dir():
        raise HvdeskError(
            f"--db: {path} is a folder; give a database file name, e.g. {path / 'hvdesk.sqlite3'}"
        )
    if not path.parent.is_dir():
        raise HvdeskError(
            f"--db: folder {path.parent} does not exist; create it first or check the path"
        )
    return f"sqlite:///{path}"


def resource_path(*parts: str) -> Path:
    """A file under resources/, whether running from source or a PyInstaller bundle."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath("resources", *parts)
