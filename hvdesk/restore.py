"""Getting the school's data back: check a backup, put it in place, keep what it replaces.

A restore never deletes anything: the database it replaces is moved aside beside it
(`hvdesk.sqlite3.replaced-<time>`). A file is restored only if it opens (with this database's key,
or as a plain older backup), passes `PRAGMA integrity_check` and has hvdesk's tables.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hvdesk import keystore
from hvdesk.backup_places import is_backup_of
from hvdesk.clock import london
from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey
from hvdesk.sqlcipher_files import FileCheck, check_file, is_plain_sqlite

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
    """Where backups of this database are kept: backups/ beside it, and any second folder."""
    return [db_path.parent / "backups", *(extra or [])]


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
        shutil.copy2(backup, target)


@contextlib.contextmanager
def _unpacked(backup: Path) -> Iterator[Path]:
    """A compressed backup unpacked into a temporary file for checking (the backup folder may be
    a read-only share, so not beside it); removed afterwards."""
    fd, name = tempfile.mkstemp(prefix=".hvdesk-check-", suffix=".sqlite3")
    os.close(fd)
    try:
        _unpack(backup, Path(name))
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def check_backup(path: Path, key: DbKey | None) -> tuple[FileCheck, DbKey | None]:
    """Open with the key (or as a plain file) and check it is a sound hvdesk database."""
    if not path.is_file() or path.stat().st_size == 0:
        return FileCheck(False, f"{path} is missing or empty"), None
    if is_compressed(path):
        try:
            with _unpacked(path) as plain:
                return check_backup(plain, key)
        except (OSError, EOFError, gzip.BadGzipFile) as err:
            return FileCheck(False, f"{path} is not a readable compressed backup ({err})"), None
    use = None if is_plain_sqlite(path) else key
    result = check_file(path, use)
    if result.ok and not set(result.counts or {}) >= HVDESK_TABLES:
        return FileCheck(False, f"{path} is an SQLite database but not an hvdesk backup"), use
    if not result.ok and use is not None and "not a database" in result.problem:
        return FileCheck(False, f"{path} is not an hvdesk backup this key opens"), use
    return result, use


def _newest_good(paths: list[Path], key: DbKey | None) -> Backup | None:
    for path in sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True):
        result, used = check_backup(path, key)
        if result.ok:
            return Backup(path, datetime.fromtimestamp(path.stat().st_mtime, UTC), used)
    return None


def _files(folder: Path, db_path: Path) -> list[Path]:
    """This database's backups in a folder: plain copies (`hvdesk backup --out`) and the
    compressed daily ones, not the daily backups of another database sharing the folder."""
    if not folder.is_dir():
        return []
    found = [*folder.glob("*.sqlite3"), *folder.glob("*.sqlite3" + COMPRESSED)]
    return [
        p for p in found if p.is_file() and not p.name.startswith(".") and is_backup_of(p, db_path)
    ]


def newest_good_backup(db_path: Path, extra: list[Path] | None = None) -> Backup | None:
    """The newest backup that passes integrity_check, from every backup folder."""
    found = [p for folder in backup_folders(db_path, extra) for p in _files(folder, db_path)]
    return _newest_good(found, keystore.locate(str(db_path)))


def last_good_backups(
    db_path: Path, extra: list[Path] | None = None
) -> list[tuple[Path, Backup | None]]:
    """Each backup folder with its newest good backup (None: none there, or none passes)."""
    key = keystore.locate(str(db_path))
    return [(f, _newest_good(_files(f, db_path), key)) for f in backup_folders(db_path, extra)]


def restore(backup: Path, db_path: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the database; returns where the replaced database was kept."""
    key = keystore.locate(str(db_path))
    result, _used = check_backup(backup, key)
    if not result.ok:
        raise HvdeskError(f"restore {backup}: {result.problem}; the database was not changed.")
    incoming = db_path.with_name(db_path.name + ".restoring")
    _unpack(backup, incoming)
    kept: Path | None = None
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.replaced-{now:%Y%m%d-%H%M%S}")
        os.replace(db_path, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(str(db_path) + suffix)
            if side.exists():
                os.replace(side, Path(str(kept) + suffix))
    os.replace(incoming, db_path)
    return kept
