"""SQLite files on disk, encrypted or not: recognise, copy encrypted, check, convert in place.

SQLCipher's own `sqlcipher_export()` writes a consistent copy of an open database into an attached,
keyed file, so one function serves backups (encrypted like the database) and the conversion of an old
plain database. Nothing here replaces a file until its copy has opened with the key and passed
`PRAGMA integrity_check`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey

PLAIN_HEADER = b"SQLite format 3\x00"
# a backup's copy and check read every page once: a small page cache (KiB) is as quick, and keeps
# them off the running app's heap (SQLCipher's default is 8 MB per connection, SQLite's 2 MB)
COPY_CACHE = "-512"


def quiet_sqlcipher_log() -> None:
    """A wrong key is reported once, as an hvdesk message: SQLCipher's own stderr log is noise."""
    conn = sqlcipher3.connect(":memory:")
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.close()


quiet_sqlcipher_log()


def is_plain_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == PLAIN_HEADER


def may_be_encrypted(path: Path) -> bool:
    """An SQLCipher file is whole pages of random-looking bytes; a text file or a stub is not."""
    size = path.stat().st_size
    return size >= 512 and size % 512 == 0 and not is_plain_sqlite(path)


def _connect(path: Path, key: DbKey | None, *, read_only: bool = False) -> Any:
    uri = f"file:{path.as_posix()}{'?mode=ro' if read_only else ''}"
    conn = sqlcipher3.connect(uri, uri=True, timeout=5)
    if key is not None:
        conn.execute(f'PRAGMA key = "{key.sqlcipher_pragma}"')
    return conn


def export_to(source: Any, target: Path, key: DbKey | None) -> None:
    """A consistent copy of the open `source` connection into a new file `target`."""
    if target.exists():
        target.unlink()
    pragma = key.sqlcipher_pragma if key is not None else ""
    source.execute(f'ATTACH DATABASE ? AS hvdesk_copy KEY "{pragma}"', (str(target),))
    try:
        source.execute(f"PRAGMA hvdesk_copy.cache_size = {COPY_CACHE}")
        source.execute("SELECT sqlcipher_export('hvdesk_copy')")
    finally:
        source.execute("DETACH DATABASE hvdesk_copy")


def read_schema_version(path: Path, key: DbKey | None) -> str | None:
    """The Alembic revision stamped in the file, read on a read-only connection.

    Nothing but the key is set first (no journal mode, no WAL file), so a database that is then
    refused stays byte for byte as it was. None when the file has no version table (yet).
    """
    conn = _connect(path, key, read_only=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlcipher3.DatabaseError:
        return None  # no version table, or not a database at all: opening it says which
    finally:
        conn.close()
    return str(row[0]) if row else None


@dataclass(frozen=True)
class FileCheck:
    ok: bool
    problem: str = ""
    counts: dict[str, int] | None = None
    checksum: str = ""


def integrity_problems(path: Path, key: DbKey | None) -> list[str]:
    """PRAGMA integrity_check of a fresh copy (["ok"] when sound), opened with `key` (None: plain).
    Also puts the copy in rollback-journal mode, so it is one self-contained file without a WAL."""
    try:
        conn = _connect(path, key)
    except sqlcipher3.Error as err:
        return [str(err)]
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute(f"PRAGMA cache_size = {COPY_CACHE}")
        return [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    except sqlcipher3.DatabaseError as err:
        return [str(err)]
    finally:
        conn.close()


def check_file(path: Path, key: DbKey | None) -> FileCheck:
    """Open read-only with the key; integrity_check; rows per table and a checksum of every row."""
    if not path.is_file():
        return FileCheck(False, f"{path} does not exist")
    try:
        conn = _connect(path, key, read_only=True)
    except sqlcipher3.Error as err:
        return FileCheck(False, str(err))
    try:
        conn.execute(f"PRAGMA cache_size = {COPY_CACHE}")  # every page read once: a small cache
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in result] != ["ok"]:
            return FileCheck(False, "integrity_check: " + "; ".join(str(r[0]) for r in result[:3]))
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        digest = hashlib.sha256()
        counts = {table: _digest_rows(conn, table, digest) for table in tables}
        return FileCheck(True, counts=counts, checksum=digest.hexdigest())
    except sqlcipher3.DatabaseError as err:
        return FileCheck(False, str(err).splitlines()[0])
    finally:
        conn.close()


ROWS_AT_ONCE = 500  # a table is read and hashed this many rows at a time, never whole


def _digest_rows(conn: Any, table: str, digest: Any) -> int:
    """Hash `table:[row, row, ...]` (the repr of the table's rows as one list, in rowid order) a
    few hundred rows at a time: the Backups screen checks a backup of ten years of visits, which
    read whole held ~60 MB at once (the rows, their repr and its bytes). Returns the row count."""
    cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    digest.update(f"{table}:[".encode())
    count = 0
    while rows := cursor.fetchmany(ROWS_AT_ONCE):
        text = ", ".join(map(repr, rows))
        digest.update(((", " if count else "") + text).encode())
        count += len(rows)
    digest.update(b"]")
    return count


def encrypt_in_place(path: Path, key: DbKey) -> FileCheck:
    """Convert a plain SQLite file: encrypted copy, verified (counts, checksum, integrity), swapped.

    The plain file is removed only after the encrypted one opened with the key and matched it.
    """
    if not is_plain_sqlite(path):
        raise HvdeskError(f"{path} is not a plain SQLite database (already encrypted?)")
    before = check_file(path, None)
    if not before.ok:
        raise HvdeskError(f"{path}: {before.problem}; nothing was changed")
    copy = path.with_name(path.name + ".encrypting")
    source = _connect(path, None)
    try:
        export_to(source, copy, key)
    finally:
        source.close()
    after = check_file(copy, key)
    if not after.ok or after.counts != before.counts or after.checksum != before.checksum:
        copy.unlink(missing_ok=True)
        raise HvdeskError(
            f"{path}: the encrypted copy did not match ({after.problem or 'rows differ'}); "
            "the plain database was left as it was"
        )
    from hvdesk.shared_access import keep_access

    keep_access(path, copy)  # the encrypted file is written by whoever wrote the plain one
    plain_aside = path.with_name(path.name + ".plain")
    os.replace(path, plain_aside)
    os.replace(copy, path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if check_file(path, key).ok:
        plain_aside.unlink()
    return after
