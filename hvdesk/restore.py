"""Getting the school's data back: check a backup, put it in place, keep what it replaces.

A restore never deletes anything: the database it replaces is moved aside beside it
(`hvdesk.sqlite3.replaced-<time>`). A file is restored only if it opens (with this database's key,
or as a plain older backup), passes `PRAGMA integrity_check` and has hvdesk's tables.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from hvdesk import keystore
from hvdesk.backup_places import (
    DAILY_BACKUP,
    backup_folder,
    backup_names,
    extra_backup_folders,
    is_backup_of,
    remove_stale,
)
from hvdesk.cli_name import cli_program
from hvdesk.clock import london
from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey
from hvdesk.shared_access import keep_access, share_database
from hvdesk.sqlcipher_files import FileCheck, check_file, encrypt_in_place, is_plain_sqlite

log = logging.getLogger(__name__)

HVDESK_TABLES = {"alembic_version", "event", "visit", "staff", "household"}


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime  # aware UTC (the file's modification time)
    key: DbKey | None

    def label(self) -> str:
        """'Mon 30 Nov 19:06', in London time, as the office would say it."""
        return f"{london(self.taken_at):%a %d %b %H:%M}"


def backup_folders(db_path: Path, extra: list[Path] | None = None) -> list[Path]:
    """Where backups of this database are kept: its backup folder (hvdesk.backup_places decides:
    IT's folder, else backups/ beside it), and any second folder."""
    return [backup_folder(db_path), *(extra or [])]


COMPRESSED = ".gz"  # the daily backups (hvdesk.backup) are gzip-compressed copies


GZIP_MAGIC = b"\x1f\x8b"


def is_compressed(path: Path) -> bool:
    """Whether the file is gzip, by its first bytes: its name may say .gz and be a plain copy."""
    with path.open("rb") as head:
        return head.read(2) == GZIP_MAGIC


def _unpack(backup: Path, target: Path) -> None:
    """A compressed backup written out whole as a database file; any other file copied."""
    if is_compressed(backup):
        with gzip.open(backup, "rb") as packed, target.open("wb") as out:
            shutil.copyfileobj(packed, out, 1024 * 1024)
    else:
        shutil.copyfile(backup, target)  # its own time: another check's sweep must not see it old


CHECK_PREFIX = ".hvdesk-check-"  # the temporary copies a check unpacks a backup into


@contextlib.contextmanager
def _unpacked(backup: Path) -> Iterator[Path]:
    """A compressed backup unpacked into a temporary file for checking (the backup folder may be
    a read-only share, so not beside it); removed afterwards, with the -wal and -shm files that
    SQLite leaves beside a WAL database opened read-only (two files in %TEMP% per check)."""
    # what earlier checks left (%TEMP% is rarely emptied on Windows)
    remove_stale(Path(tempfile.gettempdir()), (CHECK_PREFIX + "*",), time.time())
    fd, name = tempfile.mkstemp(prefix=CHECK_PREFIX, suffix=".sqlite3")
    os.close(fd)
    try:
        _unpack(backup, Path(name))
        yield Path(name)
    finally:
        _remove_all([Path(name)])
        remove_sqlite_leftovers(Path(name))


def remove_sqlite_leftovers(made: Path) -> None:
    """The -wal, -shm and -journal files SQLite leaves beside a WAL copy opened read-only; only
    for a copy this process made and closed (another's -wal may hold its unsaved writes)."""
    _remove_all([made.with_name(made.name + suffix) for suffix in ("-wal", "-shm", "-journal")])


def _remove_all(paths: list[Path]) -> None:
    """Best effort: a file held a moment (Windows Defender, the indexer) must not turn a good
    backup's check into "unreadable", nor keep the other files from going; what is left is logged."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not remove the temporary file %s: %s", path, err)


def check_backup(path: Path, key: DbKey | None) -> tuple[FileCheck, DbKey | None]:
    """Open with the key (or as a plain file) and check it is a sound hvdesk database."""
    if not path.is_file() or path.stat().st_size == 0:
        return FileCheck(False, f"{path} is missing or empty"), None
    if is_compressed(path):
        try:
            with _unpacked(path) as plain:
                result, use = check_backup(plain, key)
                # the office gave (or sees) the .gz file: name it, never the temporary copy
                return replace(result, problem=result.problem.replace(str(plain), str(path))), use
        except (OSError, EOFError, gzip.BadGzipFile) as err:
            return FileCheck(False, f"{path} is not a readable compressed backup ({err})"), None
    if is_plain_sqlite(path):
        use = None
    elif key is None:
        return FileCheck(
            False,
            f"{path} is encrypted and hvdesk has no key for this database; set {keystore.ENV_KEY} "
            f"to the key on the recovery sheet (or run {cli_program()} key import) and try again",
        ), None
    else:
        use = key
    result = check_file(path, use)
    if result.ok and not set(result.counts or {}) >= HVDESK_TABLES:
        return FileCheck(False, f"{path} is an SQLite database but not an hvdesk backup"), use
    if not result.ok and use is not None and "not a database" in result.problem:
        return FileCheck(
            False,
            f"{path} does not open with this database's key (from {use.where}): the key is "
            "wrong, or the backup was taken before the key was changed (the old recovery sheet "
            f"opens it: set {keystore.ENV_KEY} to that key), or it is not an hvdesk backup",
        ), use
    return result, use


def _newest_good(paths: list[Path], key: DbKey | None) -> Backup | None:
    for path in sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True):
        result, used = check_backup(path, key)
        if result.ok:
            return Backup(path, datetime.fromtimestamp(path.stat().st_mtime, UTC), used)
    return None


def backup_files(folder: Path) -> list[Path]:
    """Backups in a folder: plain copies (`hvdesk backup --out`) and the compressed daily ones."""
    if not folder.is_dir():
        return []
    found = [*folder.glob("*.sqlite3"), *folder.glob("*.sqlite3" + COMPRESSED)]
    return [p for p in found if p.is_file() and not p.name.startswith(".")]


def _files(folder: Path, db_path: Path) -> list[Path]:
    """This database's backups in a folder: not the daily backups of another database sharing
    the folder (a copy made with `hvdesk backup --out`, named by whoever made it, may be ours)."""
    return [p for p in backup_files(folder) if is_backup_of(p, db_path)]


def named_after(db_path: Path, backup: Path) -> bool:
    """A daily backup named after this database (school-20261124.sqlite3.gz for school.sqlite3)."""
    match = DAILY_BACKUP.match(backup.name)
    return match is not None and match.group("name") in backup_names(db_path)


def newest_good_backup(
    db_path: Path, extra: list[Path] | None = None, own: bool = False
) -> Backup | None:
    """The newest backup that passes integrity_check, from every backup folder (`own`: only the
    daily backups named after this database, not copies made by hand under other names)."""
    found = [p for folder in backup_folders(db_path, extra) for p in _files(folder, db_path)]
    if own:
        found = [p for p in found if named_after(db_path, p)]
    return _newest_good(found, keystore.locate(str(db_path)))


def restore_advice(db_path: Path) -> str:
    """What to do about a damaged or lost database, naming the backup to restore (or where none
    was found), so the office is never left with a refusal and no way back."""
    folders = backup_folders(db_path, extra_backup_folders(db_path))
    backup = newest_good_backup(db_path, folders[1:], own=True) or newest_good_backup(
        db_path, folders[1:]
    )
    if backup is None:
        where = ", ".join(str(f) for f in folders)
        return (
            f"No good backup was found in {where}. If you have one elsewhere: "
            f"{cli_program()} restore FILE --db {db_path}"
        )
    return (
        f"The newest good backup is {backup.path} (taken {backup.label()}). Restore it with: "
        f"{cli_program()} restore {backup.path} --db {db_path}"
    )


def last_good_backups(
    db_path: Path, extra: list[Path] | None = None
) -> list[tuple[Path, Backup | None]]:
    """Each backup folder with its newest good backup (None: none there, or none passes)."""
    key = keystore.locate(str(db_path))
    return [(f, _newest_good(_files(f, db_path), key)) for f in backup_folders(db_path, extra)]


def _is_plain_database(db_path: Path) -> bool:
    """The database being replaced is a plain (unencrypted) file: what it restores stays plain.
    A missing or emptied one is encrypted like every new database, unless HVDESK_PLAIN_DB=1."""
    if db_path.is_file() and db_path.stat().st_size > 0:
        return is_plain_sqlite(db_path)
    return os.environ.get("HVDESK_PLAIN_DB") == "1"


def encrypt_plain_backups(db_path: Path, key: DbKey) -> list[Path]:
    """After `hvdesk encrypt`: every plain backup in the backup folders encrypted with the key in
    place (checked row for row before it replaces the plain one), so no plain copy of the
    school's data stays behind. Returns the backups it encrypted."""
    done = []
    for backup in (
        p for f in backup_folders(db_path, extra_backup_folders(db_path)) for p in backup_files(f)
    ):
        result, used = check_backup(backup, key)
        if not result.ok or used is not None:
            continue  # already encrypted, or not a sound backup: left as it is
        work = backup.with_name(f".{backup.name}.encrypting.sqlite3")
        _unpack(backup, work)
        try:
            encrypt_in_place(work, key)
            if backup.name.endswith(COMPRESSED):
                packed = backup.with_name(f".{backup.name}.partial")
                with work.open("rb") as raw, gzip.open(packed, "wb", compresslevel=6) as out:
                    shutil.copyfileobj(raw, out, 1024 * 1024)
                keep_access(backup, packed)
                os.replace(packed, backup)
            else:
                keep_access(backup, work)
                os.replace(work, backup)
        finally:
            work.unlink(missing_ok=True)
        done.append(backup)
    return done


def restore(backup: Path, db_path: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the database; returns where the replaced database was kept."""
    key = keystore.locate(str(db_path))
    result, used = check_backup(backup, key)
    if not result.ok:
        raise HvdeskError(f"restore {backup}: {result.problem}; the database was not changed.")
    incoming = db_path.with_name(db_path.name + ".restoring")
    _unpack(backup, incoming)
    if used is None and key is not None and not _is_plain_database(db_path):
        try:  # a plain (older) backup never brings plain data back over an encrypted database
            encrypt_in_place(incoming, key)
        except HvdeskError:
            incoming.unlink(missing_ok=True)
            raise
    kept: Path | None = None
    keep_access(db_path, incoming)  # the group that writes the school keeps writing it
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.replaced-{now:%Y%m%d-%H%M%S}")
        os.replace(db_path, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(str(db_path) + suffix)
            if side.exists():
                os.replace(side, Path(str(kept) + suffix))
    os.replace(incoming, db_path)
    share_database(db_path)
    return kept
