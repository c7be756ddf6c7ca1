"""Daily online backups of the local SQLite database (DESIGN.md section 8: nothing ever lost).

SQLite's backup API copies a consistent snapshot while the app keeps writing. The snapshot is
checked (PRAGMA integrity_check) before it is kept, then compressed, and the compressed file is
read back whole (gzip's CRC) before it replaces anything: a backup that cannot be restored is
worse than none, because it is trusted. Files are named after the database
(<name>-YYYYMMDD.sqlite3.gz in <data folder>/backups), so two databases in one folder each keep
their own. How many are kept does not grow with the days: the newest of each of the last 7 days,
4 weeks and 12 months (hvdesk.rules.retention). PostgreSQL is backed up on the server (pg_dump).
"""

from __future__ import annotations

import contextlib
import gzip
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

from hvdesk.backup_places import (
    DAILY_BACKUP,
    HALF_MADE,
    backup_folder,
    backup_names,
    copy_to_extra_folders,
    extra_backup_folders,
    remove_stale,
)
from hvdesk.clock import Clock, london
from hvdesk.db import Database
from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey
from hvdesk.platform.heap import release_free_memory
from hvdesk.rules.retention import Retention, backups_to_keep
from hvdesk.shared_access import share_backup
from hvdesk.sqlcipher_files import integrity_problems

SUFFIX = ".sqlite3.gz"
CHUNK = 256 * 1024  # compressed and read back a piece at a time, on the app's own heap
DEFAULT_RULE = Retention()


class BackupFailed(HvdeskError):
    pass


def _has_file(db: Database) -> bool:
    return db.is_sqlite and db.engine.url.database not in (None, "", ":memory:")


def backup_dir(db: Database) -> Path:
    """The backup folder IT set for this PC (hvdesk.ini or Group Policy), else backups/ beside it."""
    path = backup_folder(Path(db.engine.url.database or ""))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _db_path(db: Database) -> Path:
    return Path(db.engine.url.database or "hvdesk").resolve()


def _name(db: Database) -> str:
    return backup_names(_db_path(db))[0]


def backups(db: Database) -> dict[date, Path]:
    """This database's backups by day (a compressed one wins over an old uncompressed one, one
    under its own name over one under the old name)."""
    return backups_in(backup_dir(db), backup_names(_db_path(db)))


def backups_in(folder: Path, names: tuple[str, ...]) -> dict[date, Path]:
    """The backups in `folder` named for `names` (the first the current name), by day."""

    def rank(path: Path) -> tuple[bool, bool]:  # later wins
        match = DAILY_BACKUP.match(path.name)
        return (match is not None and match.group("name") == names[0], path.name.endswith(".gz"))

    found: dict[date, Path] = {}
    for path in sorted(folder.iterdir(), key=rank):
        match = DAILY_BACKUP.match(path.name)
        if match and match.group("name") in names:
            found[datetime.strptime(match.group("day"), "%Y%m%d").date()] = path
    return found


def latest_backup(db: Database) -> datetime | None:
    if not _has_file(db):
        return None
    files = backups(db)
    if not files:
        return None
    return datetime.fromtimestamp(files[max(files)].stat().st_mtime, UTC)


def check_integrity(path: Path, key: DbKey | None = None) -> None:
    """PRAGMA integrity_check on a backup file, opened with the database's key (an encrypted
    database's backup is encrypted too); also makes it one self-contained file (no WAL)."""
    problems = integrity_problems(path, key)
    if problems != ["ok"]:
        raise BackupFailed(f"the backup {path.name} failed its integrity check: {problems[:3]}")


def compress(source: Path, target: Path) -> None:
    """gzip `source` into `target`, then read it back whole: a copy trusted but unreadable is
    worse than none."""
    with source.open("rb") as raw, gzip.open(target, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    with gzip.open(target, "rb") as back:  # read back whole: the CRC says what was written
        while back.read(CHUNK):
            pass


def _has_today(db: Database, today: date) -> bool:
    found = backups(db).get(today)
    return found is not None and found.name.endswith(SUFFIX)


def daily_backup(
    db: Database, clock: Clock, rule: Retention = DEFAULT_RULE, refresh: bool = False
) -> Path | None:
    """Make today's backup if there is none yet (or, with refresh, replace it with a newer copy:
    the scheduled daily run); copy it to any second folder; prune by the rule. Returns the new
    file, if any."""
    if not _has_file(db):
        return None
    today = london(clock.now()).date()
    if _has_today(db, today) and not refresh:
        return None
    folder = backup_dir(db)
    _sweep_half_made(folder, extra_backup_folders(_db_path(db)))
    target = folder / f"{_name(db)}-{today:%Y%m%d}{SUFFIX}"
    snapshot = folder / f".{target.name}.snapshot"
    partial = folder / f".{target.name}.partial"
    try:
        db.backup(snapshot)
        check_integrity(snapshot, db.key)
        compress(snapshot, partial)
        partial.replace(target)
        share_backup(_db_path(db), target)
    finally:
        for leftover in (snapshot, partial, *folder.glob(f".{target.name}.snapshot-*")):
            leftover.unlink(missing_ok=True)
        release_free_memory()  # the copy's page caches and zlib buffers: not kept all day
    copy_to_extra_folders(_db_path(db), target)
    prune(db, rule)
    return target


def _sweep_half_made(folder: Path, extra: list[Path]) -> None:
    """What a backup cut off part-way left (hvdesk closed during it, the PC switched off), over
    a day old: each a whole copy of the school's data, named for a day no later backup
    replaces. By the file system's clock, which wrote their times."""
    now = time.time()
    for place in (folder, *extra):
        with contextlib.suppress(OSError):  # a second folder out of reach: next time
            remove_stale(place, HALF_MADE, now)


def prune(db: Database, rule: Retention = DEFAULT_RULE) -> list[Path]:
    """Keep by the rule in the backup folder and in every extra folder (a second folder that is
    never pruned grows for ever); an extra folder out of reach is left for the next day."""
    db_path, names = _db_path(db), backup_names(_db_path(db))
    gone = prune_folder(backup_dir(db), names, rule)
    for folder in extra_backup_folders(db_path):
        with contextlib.suppress(OSError):
            gone += prune_folder(folder, names, rule)
    return gone


def prune_folder(folder: Path, names: tuple[str, ...], rule: Retention) -> list[Path]:
    """Delete the backups named for `names` in `folder` that the rule does not keep, and any
    copy of a day that has a better one (uncompressed, or under the old name)."""
    found = backups_in(folder, names)
    keep = backups_to_keep(found, rule)
    gone = [path for day, path in found.items() if day not in keep]
    for path in folder.iterdir():
        match = DAILY_BACKUP.match(path.name)
        if match and match.group("name") in names and path not in found.values():
            gone.append(path)  # its day's kept copy is a better one, or its day is gone
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
