"""What headless commands share: opening the database named on the command line.

Building a command's parser must stay cheap (`hvdesk demo --help`): a command module imports
SQLAlchemy, ReportLab and the services inside the function that runs the command, and anything its
parser needs from them comes through LazyChoices / epilog_from (hvdesk.commands.parsers).
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from hvdesk.cli_name import cli_program
from hvdesk.errors import HvdeskError
from hvdesk.key_env import ENV_KEY

ENV_PLAIN = "HVDESK_PLAIN_DB"  # "1": a new SQLite file is created unencrypted (tests, debugging)

if TYPE_CHECKING:
    from hvdesk.clock import SystemClock
    from hvdesk.db import Database
    from hvdesk.keystore import DbKey


def lazy_run(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The command's run function, imported only when that command runs (the module holding it
    imports SQLAlchemy and the services; building the parser must not)."""

    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(args) or 0)

    return run


class LazyChoices(Sequence[str]):
    """argparse choices read on first use (parsing that option, or its help), not at start-up.

    Give the option a metavar: argparse would otherwise list the choices while building.
    """

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._values: list[str] | None = None

    def _all(self) -> list[str]:
        if self._values is None:
            self._values = list(self._load())
        return self._values

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="sub_db", metavar="URL", help="database file path or URL")
    parser.add_argument(  # after the command too; SUPPRESS keeps one given before the command
        "--single-seat", action="store_true", default=argparse.SUPPRESS, help="see hvdesk --help"
    )


def db_option(args: argparse.Namespace) -> str | None:
    """The --db given after or before the command ('' is kept: an empty --db is an error)."""
    value = getattr(args, "sub_db", None)
    return value if value is not None else getattr(args, "db", None)


def shown_url(url: str) -> str:
    """The URL as it may be printed: never with its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _reason(err: BaseException) -> str:
    """The driver's own words, first line only (SQLAlchemy appends SQL and a help link)."""
    inner = getattr(err, "orig", None) or err
    text = str(inner).strip().splitlines()
    return text[0] if text else type(inner).__name__


def refuse_shared_file(url: str, source: str, single_seat: bool) -> None:
    """A SQLite file where other PCs also write is refused unless opened single-seat."""
    path = url.removeprefix("sqlite:///")
    if not url.startswith("sqlite:///") or path in ("", ":memory:") or single_seat:
        return
    from hvdesk.platform import classify

    location = classify(path)
    if not location.is_local:
        raise HvdeskError(
            f"{source} is on {location.describe()}. SQLite there is not safe: several PCs need "
            "the PostgreSQL server (see README, 'Several office PCs'). If only this PC will ever "
            "open the file, start hvdesk with --single-seat (rollback journal, exclusive lock)."
        )


def connect(arg: str | None, single_seat: bool = False, *, london: bool = True) -> Database:
    """Open (and migrate) the database, turning every way that fails into one clear HvdeskError.
    `london`: the caller shows or computes London times, so a missing zone stops it first."""
    from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

    from hvdesk.clock import require_london_zone
    from hvdesk.config import ENV_DATABASE_URL, database_url
    from hvdesk.db import Database, refuse_newer_file

    if london:
        require_london_zone()  # before anything is opened, asked for or run
    url = database_url(arg)
    if arg is not None:
        source = f"--db {shown_url(url) if '://' in arg else arg}"
    elif os.environ.get(ENV_DATABASE_URL):
        source = f"{ENV_DATABASE_URL} ({shown_url(url)})"
    else:
        source = f"the database {url.removeprefix('sqlite:///')}"
    sqlite = url.startswith("sqlite")
    refuse_shared_file(url, source, single_seat)
    key = sqlite_key(url, source) if sqlite else None
    try:
        if sqlite and url not in ("sqlite://", "sqlite:///:memory:"):
            path = Path(url.split(":///", 1)[1])
            if path.is_file() and path.stat().st_size > 0:
                refuse_newer_file(path, key)
        db = Database(url, key=key, single_seat=single_seat and sqlite)
    except HvdeskError:
        raise
    except ArgumentError as err:  # includes NoSuchModuleError: 'foo://bar'
        raise HvdeskError(
            f"{source}: not a database URL hvdesk can use ({_reason(err)}); give a file path, "
            "or a URL such as postgresql+psycopg://user@host/hvdesk."
        ) from None
    except ImportError as err:  # a known dialect whose driver is not installed
        raise HvdeskError(
            f"{source}: the database driver is not installed ({_reason(err)}); use "
            "postgresql+psycopg://... for PostgreSQL, or a file path for SQLite."
        ) from None
    except OperationalError as err:
        if sqlite:
            raise HvdeskError(
                f"{source}: cannot open the database file ({_reason(err)}); check the path and "
                "that you may write to its folder."
            ) from None
        raise HvdeskError(
            f"{source}: cannot connect to the database server ({_reason(err)}); check the URL, "
            "that the server is running, and the network."
        ) from None
    except DatabaseError as err:
        if key is not None and "not a database" in _reason(err):
            raise HvdeskError(
                f"{source}: the key from {key.where} does not open this encrypted database. If "
                f"it is yours, set {ENV_KEY} to the key on the recovery sheet and try again; "
                f"nothing was changed. If the key is right, the file is damaged: "
                f"{_restore_advice(url)}"
            ) from None
        if sqlite:
            raise HvdeskError(
                f"{source} is damaged ({_reason(err)}); nothing was changed. {_restore_advice(url)}"
            ) from None
        raise HvdeskError(
            f"{source}: the database server refused ({_reason(err)}); check the URL and that "
            "the user may use that database."
        ) from None
    except OSError as err:
        raise HvdeskError(
            f"{source}: cannot open the database ({err.strerror or err}); check the path."
        ) from None
    return db


def _restore_advice(url: str) -> str:
    """Which backup to restore, and the command, for a damaged SQLite file (never raises: a
    message about damage must still reach the office if the backups cannot be read)."""
    from hvdesk.restore import restore_advice

    try:
        return restore_advice(Path(url.split(":///", 1)[1]))
    except Exception:
        return f"Restore your newest backup: {cli_program()} restore FILE"


def refuse_lost_file(path: Path, source: str) -> None:
    """An emptied (0-byte) file, or a missing one whose key and backups are still here, is damage:
    starting an empty database in its place would hide the loss and strand the backups."""
    from hvdesk import keystore
    from hvdesk.restore import newest_good_backup, restore_advice

    if path.is_file() and path.stat().st_size == 0:
        raise HvdeskError(
            f"{source} is damaged: the file is empty (0 bytes). {restore_advice(path)}"
        )
    key = None if path.exists() else keystore.locate(str(path))
    if key is None:
        return
    from hvdesk.backup_places import extra_backup_folders

    # A key kept for this very file says it existed; HVDESK_DB_KEY serves every file, so then
    # only a backup named after it does.
    own = key.store == "env"
    if newest_good_backup(path, extra_backup_folders(path), own=own) is not None:
        raise HvdeskError(
            f"{source} is missing, but its key and backups are here: it was lost or moved, not "
            f"new. {restore_advice(path)}"
        )


def sqlite_key(url: str, source: str) -> DbKey | None:
    """The SQLCipher key for a SQLite file, or None for a plain (older, or test) file.

    A new file is created encrypted, with a new key, unless HVDESK_PLAIN_DB=1. An existing encrypted
    file without a key is refused with where hvdesk looked: never a new, empty database instead.
    """
    from hvdesk import keystore  # with SQLCipher: only for a command that opens a database
    from hvdesk.sqlcipher_files import is_plain_sqlite, may_be_encrypted

    if url in ("sqlite://", "sqlite:///:memory:"):
        return None
    path = Path(url.split(":///", 1)[1])
    refuse_lost_file(path, source)
    if path.is_file():
        if is_plain_sqlite(path):
            return None
        if not may_be_encrypted(path):
            raise HvdeskError(
                f"{source} is damaged, or is not an hvdesk database at all (file is not a "
                "database): if it is not yours, give your database with --db; nothing was "
                f"changed. {_restore_advice(url)}"
            )
        found = keystore.locate(str(path))
        if found is None:
            raise HvdeskError(
                f"{source} is encrypted and hvdesk has no key for it (looked in "
                f"{keystore.looked_in(str(path))}). Type the key from the school's recovery "
                f"sheet with: {cli_program()} key import --user ADMIN --db {path} (or set {ENV_KEY} to "
                "it); nothing was changed."
            )
        return found
    if os.environ.get(ENV_PLAIN) == "1":
        return None
    return keystore.create(str(path))


def open_database(args: argparse.Namespace, *, london: bool = True) -> tuple[Database, SystemClock]:
    """`london=False` for the repair commands, which must run without the zone data."""
    from hvdesk.clock import SystemClock

    single_seat = bool(getattr(args, "single_seat", False))
    return connect(db_option(args), single_seat, london=london), SystemClock()
