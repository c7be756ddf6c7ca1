"""Where backups go: backups/ beside the database, and a second folder (e.g. a network share).

A backup in the same folder as the database dies with the disk; the second folder is the copy that
survives. The setting lives in a small file beside the database (`backup-places.json`) rather than in
the database, so a damaged database can still find its backups at start-up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
from pathlib import Path

from hvdesk.errors import FieldError

log = logging.getLogger(__name__)

PLACES_FILE = "backup-places.json"
STALE_AFTER = 24 * 3600  # seconds: a half-made file older than this is a leftover, not in use
# what a backup cut off part-way leaves (hvdesk.backup.daily_backup, copy_to_extra_folders)
# `.X.encrypting.sqlite3`: `hvdesk encrypt` cut off part-way (a PLAIN copy of the school's data)
HALF_MADE = (
    ".*.snapshot",
    ".*.snapshot-*",
    ".*.partial",
    "*.sqlite3*.partial",
    ".*.encrypting.sqlite3*",
)
DB_SUFFIXES = (".sqlite3", ".db")
# a daily backup: <database name>-YYYYMMDD.sqlite3, compressed (.gz) since
DAILY_BACKUP = re.compile(r"^(?P<name>.+)-(?P<day>\d{8})\.sqlite3(\.gz)?$")


def backup_name(db_path: Path) -> str:
    """The name this database's backups go by: its whole file name without the final .sqlite3
    or .db, so school.sqlite3 and school.2025.sqlite3 keep separate backups."""
    name = db_path.name
    for suffix in DB_SUFFIXES:
        if name.endswith(suffix) and name != suffix:
            return name.removesuffix(suffix)
    return name


def backup_names(db_path: Path) -> tuple[str, ...]:
    """Every name this database's backups may carry: its own, then the one earlier versions
    used (the text before the first dot), so backups made before still count for retention and
    restore. The old name is left out when a database beside this one owns it (school.sqlite3
    for school.2025.sqlite3): those backups are that database's."""
    name = backup_name(db_path)
    old = db_path.name.removesuffix(".sqlite3").split(".")[0]
    owned = any((db_path.parent / f"{old}{suffix}").exists() for suffix in DB_SUFFIXES)
    return (name,) if old == name or not old or owned else (name, old)


def is_backup_of(file: Path, db_path: Path) -> bool:
    """False for another database's daily backup; any other copy (`hvdesk backup --out`,
    named by whoever made it) may be this database's."""
    match = DAILY_BACKUP.match(file.name)
    return match is None or match.group("name") in backup_names(db_path)


def backup_folder(db_path: Path) -> Path:
    """Where this database's daily backups go: the folder IT set for this PC (hvdesk.ini
    backup_folder, or Group Policy), else backups/ beside the database. Backing up, restoring,
    the start-up restore offer and Settings all ask here, so none of them looks somewhere else."""
    from hvdesk.config import machine_settings

    return machine_settings().backup_folder or db_path.resolve().parent / "backups"


def all_backup_folders(db_path: Path) -> list[Path]:
    """Every folder that may hold a backup of this database: the backup folder, then any second."""
    return [backup_folder(db_path), *extra_backup_folders(db_path)]


def _places_file(db_path: Path) -> Path:
    return db_path.parent / PLACES_FILE


def extra_backup_folders(db_path: Path) -> list[Path]:
    try:
        data = json.loads(_places_file(db_path).read_text())
    except (OSError, ValueError):
        return []
    second = data.get("second_folder") if isinstance(data, dict) else None
    return [Path(second)] if second else []


def set_second_folder(db_path: Path, folder: str | None) -> Path | None:
    """Keep backups in `folder` too (None or '' to stop). The folder must exist and be writable."""
    value = (folder or "").strip()
    if value:
        path = Path(value).expanduser().resolve()
        if not path.is_dir():
            raise FieldError("Second backup folder", f"{path} does not exist; create it first")
        probe = path / ".hvdesk-write-test"
        try:
            probe.write_text("ok")
            probe.unlink()
        except OSError:
            raise FieldError("Second backup folder", f"hvdesk cannot write to {path}") from None
    _places_file(db_path).write_text(json.dumps({"second_folder": str(path) if value else ""}))
    return path if value else None


def remove_stale(folder: Path, patterns: tuple[str, ...], now: float) -> None:
    """Remove the files matching `patterns` in `folder` last written over STALE_AFTER before
    `now` (epoch seconds, as the file system keeps them): left by a copy or check that was cut
    off (hvdesk closed part-way, a file held when it ended), each may be a whole copy of the
    school's data; younger ones may be another one's still under way. Best effort, logged."""
    stale: set[Path] = set()
    for pattern in patterns:
        for path in folder.glob(pattern):
            with contextlib.suppress(OSError):  # gone meanwhile, or unreadable: not ours to judge
                if now - path.stat().st_mtime > STALE_AFTER:
                    stale.add(path)
    for path in sorted(stale):
        try:
            path.unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not remove the leftover file %s: %s", path, err)


def copy_to_extra_folders(db_path: Path, backup: Path) -> list[Path]:
    """Copy a finished backup into each extra folder (a failure there never loses the first copy)."""
    copied = []
    for folder in extra_backup_folders(db_path):
        try:
            partial = folder / (backup.name + ".partial")
            shutil.copy2(backup, partial)
            partial.replace(folder / backup.name)
            copied.append(folder / backup.name)
        except OSError:
            continue
    return copied
