"""check_file's row checksum: the same as hashing each table's rows read whole, read a few hundred
rows at a time (a backup of ten years of visits is checked when the Backups screen opens)."""

from __future__ import annotations

import hashlib
import sqlite3
import tracemalloc
from pathlib import Path

from hvdesk.sqlcipher_files import ROWS_AT_ONCE, check_file

ROWS = 20_000


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "school.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE visit (id INTEGER PRIMARY KEY, notes TEXT, at REAL, blob BLOB)")
    conn.execute("CREATE TABLE empty (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany(
        "INSERT INTO visit (notes, at, blob) VALUES (?, ?, ?)",
        ((f"visit {i} ' \" notes", i / 7, None if i % 3 else b"\x00\x01") for i in range(ROWS)),
    )
    conn.execute("INSERT INTO staff (name) VALUES ('Sam')")
    conn.commit()
    conn.close()
    return path


def _whole(path: Path) -> tuple[dict[str, int], str]:
    """The checksum as it was computed before: every table's rows read whole."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    counts = {}
    for table in ("empty", "staff", "visit"):
        rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
        counts[table] = len(rows)
        digest.update(f"{table}:{rows!r}".encode())
    conn.close()
    return counts, digest.hexdigest()


def test_the_checksum_is_that_of_every_row_read_whole(tmp_path):
    path = _file(tmp_path)
    assert ROWS > 10 * ROWS_AT_ONCE
    result = check_file(path, None)
    assert result.ok
    assert (result.counts, result.checksum) == _whole(path)


def test_checking_a_big_table_never_holds_it_whole(tmp_path):
    path = _file(tmp_path)
    tracemalloc.start()
    try:
        check_file(path, None)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the visit table's rows, their repr and its bytes held at once came to ~6 MB
    assert peak < 1_000_000
