"""Daily online backups of the local SQLite database (DESIGN.md section 8: nothing ever lost).

SQLite's backup API copies a consistent snapshot while the app keeps writing. One file per day in
<data folder>/backups, the newest `keep` kept. PostgreSQL is backed up on the server (pg_dump).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hvdesk.backup_places import copy_to_extra_folders
from hvdesk.clock import Clock, london
from hvdesk.db import Database


def backup_dir(db: Database) -> Path:
    """The backup folder IT set for this PC (hvdesk.ini or Group Policy), else backups/ beside it."""
    from hvdesk.config import machine_settings

    chosen = machine_settings().backup_folder
    path = chosen or Path(db.engine.url.database or "").resolve().parent / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def latest_backup(db: Database) -> datetime | None:
    if not db.is_sqlite or db.engine.url.database in (None, "", ":memory:"):
        return None
    files = sorted(backup_dir(db).glob("hvdesk-*.sqlite3"))
    if not files:
        return None
    from datetime import UTC

    return datetime.fromtimestamp(files[-1].stat().st_mtime, UTC)


def daily_backup(db: Database, clock: Clock, keep: int = 14, refresh: bool = False) -> Path | None:
    """Make today's backup if there is none yet (or, with refresh, replace it with a newer copy:
    the scheduled daily run); prune old ones. Returns the new file, if any."""
    if not db.is_sqlite or db.engine.url.database in (None, "", ":memory:"):
        return None
    folder = backup_dir(db)
    target = folder / f"hvdesk-{london(clock.now()):%Y%m%d}.sqlite3"
    if target.exists() and not refresh:
        return None
    partial = target.with_suffix(".partial")
    db.backup(partial)
    partial.replace(target)
    copy_to_extra_folders(Path(db.engine.url.database or "").resolve(), target)
    for old in sorted(folder.glob("hvdesk-*.sqlite3"))[:-keep]:
        old.unlink()
    return target
