"""A new database key (after a recovery sheet went missing, or a member of staff left).

The database is copied under the new key, its safe words re-encrypted, the copy checked row for row,
and only then swapped in and the new key stored; the old file stays aside until the new one opens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3

from hvdesk import keystore
from hvdesk.backup import daily_backup
from hvdesk.backup_places import extra_backup_folders
from hvdesk.cli_name import cli_program
from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey
from hvdesk.restore import backup_files, backup_folders, check_backup
from hvdesk.safe_word_cipher import SafeWordCipher
from hvdesk.services.base import Actor, Service
from hvdesk.shared_access import keep_access
from hvdesk.sqlcipher_files import check_file, export_to


def _reencrypt_safe_words(copy: Path, old: DbKey, new: DbKey) -> None:
    before, after = SafeWordCipher(lambda: old.key), SafeWordCipher(lambda: new.key)
    conn = sqlcipher3.connect(str(copy))
    try:
        conn.execute(f'PRAGMA key = "{new.sqlcipher_pragma}"')
        rows = conn.execute("SELECT id, safe_word FROM lone_working_assessment").fetchall()
        for row_id, stored in rows:
            word = after.encrypt(before.decrypt(stored)) if stored else stored
            conn.execute(
                "UPDATE lone_working_assessment SET safe_word = ? WHERE id = ?", (word, row_id)
            )
        conn.commit()
    finally:
        conn.close()


@dataclass(frozen=True)
class Rotation:
    key: DbKey  # the new key, and where it is kept
    backup: Path  # a checked backup under the new key, taken at once
    older: list[Path]  # backups taken before: they open only with the old key (old sheet)

    def advice(self) -> str:
        """What the office must know: the old recovery sheet is still needed for old backups."""
        said = f"Backed up under the new key at once: {self.backup} (checked)."
        if not self.older:
            return said
        return (
            f"{said} The {len(self.older)} older backup(s) (e.g. {self.older[0]}) open only with "
            "the OLD key: keep the old recovery sheet, marked 'old key, backups before "
            f"{datetime.now(UTC):%d %b %Y}', with them until they have all been replaced."
        )


def rotate(db: Database, path: Path, actor: Actor) -> Rotation:
    """Re-key the encrypted SQLite file at `path`, then back it up under the new key at once:
    every backup taken before now opens only with the old key, so without a fresh one the
    school would have no backup the new key opens until tonight's."""
    older = sorted(
        p
        for folder in backup_folders(path, extra_backup_folders(path))
        for p in backup_files(folder)
    )
    kept = _swap_in_new_key(db, path, actor)
    reopened = Database(f"sqlite:///{path}", key=kept)
    try:
        made = daily_backup(reopened, SystemClock(), refresh=True)
    finally:
        reopened.dispose()
    if made is None or not check_backup(made, kept)[0].ok:
        raise HvdeskError(
            f"{path}: the key was changed, but the backup under the new key did not check out; "
            f"run {cli_program()} backup --out FILE now."
        )
    return Rotation(kept, made, [p for p in older if p != made])


def _swap_in_new_key(db: Database, path: Path, actor: Actor) -> DbKey:
    """Re-key the file: a checked copy under a new key swapped in; the new key stored."""
    old = db.key
    if old is None:
        raise HvdeskError(f"{path} is not encrypted; nothing to rotate.")
    new = DbKey(keystore.new_key(), "", "")
    copy = path.with_name(path.name + ".rekeying")
    raw = db.engine.raw_connection()
    try:
        export_to(raw.driver_connection, copy, new)
    finally:
        raw.close()
    _reencrypt_safe_words(copy, old, new)
    before, after = check_file(path, old), check_file(copy, new)
    if not after.ok or after.counts != before.counts:
        copy.unlink(missing_ok=True)
        raise HvdeskError(f"{path}: the re-keyed copy did not check out; the key was not changed.")
    db.dispose()
    keep_access(path, copy)  # the hvdesk group keeps writing the school under its new key
    aside = path.with_name(path.name + ".old-key")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(copy, path)
    try:
        kept = keystore.store(str(path), new.key)
    except Exception:
        os.replace(aside, path)
        raise
    reopened = Database(f"sqlite:///{path}", key=kept)
    try:
        with reopened.transaction() as session:
            Service(reopened, SystemClock()).audit(session, actor, "database_key_rotated")
    finally:
        reopened.dispose()
    aside.unlink()
    return kept
