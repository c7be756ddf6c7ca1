"""The SQLite connections keep a small number of prepared statements, so a window left running for
weeks holds less of SQLite's heap: every length of an `IN (...)` list (the visits out, their
events) is a statement of its own, and sqlite3's default of 128 kept per pooled connection filled
in about 15 minutes of the soak (bench/bench_soak.py) with ~2.5 MB more SQLite heap than 32 keeps.

Measured for each kind of engine make_engine makes, through the driver's own SQLite library:
stdlib sqlite3 for plain files and memory, sqlcipher3's built-in SQLCipher for encrypted files
(its prepared statements are not Python objects, so only its heap shows what it keeps)."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable
from types import ModuleType

import pytest
from sqlalchemy import TextClause, text

from hvdesk import keystore
from hvdesk.db import make_engine
from hvdesk.keystore import DbKey


def _heap_used(driver: ModuleType) -> Callable[[], int]:
    """sqlite3_memory_used() of the SQLite library the driver is built on (each has its own)."""
    used = ctypes.CDLL(driver.__file__).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return used


def _statement(n: int) -> TextClause:
    """One of many statements of one size (as the IN lists of one length would be), told apart
    only by its text: SQLite keeps each prepared, so its heap counts the statements kept."""
    ids = ", ".join(f"{i}" for i in range(100))
    return text(f"SELECT {n} WHERE {n} IN ({ids})")


@pytest.mark.parametrize("kind", ["plain file", "memory", "encrypted file"])
def test_prepared_statements_kept_per_connection_are_few(kind, tmp_path):
    if kind == "encrypted file":
        import sqlcipher3._sqlite3 as driver
    else:
        import _sqlite3 as driver
    package = "sqlcipher3" if kind == "encrypted file" else "sqlite3"
    url = "sqlite://" if kind == "memory" else f"sqlite:///{tmp_path / 'school.sqlite3'}"
    key = DbKey(keystore.new_key(), "a test", "env") if kind == "encrypted file" else None
    engine = make_engine(url, key)
    used = _heap_used(driver)
    # sqlite3_memory_used counts every connection in the process: earlier tests' connections,
    # freed by the cycle collector during the measurement, would show as a heap that shrank
    gc.collect()
    gc.disable()
    try:
        with engine.connect() as conn:
            conn.execute(_statement(0)).all()
            start = used()
            for n in range(1, 41):  # more than 32 kept: the cache is full
                conn.execute(_statement(n)).all()
            full = used()
            for n in range(41, 201):  # 160 more: with 32 kept, each replaces one
                conn.execute(_statement(n)).all()
            more = used()
            driver_module = type(conn.connection.dbapi_connection).__module__
    finally:
        gc.enable()
        engine.dispose()
    assert driver_module.split(".")[0] == package  # the connection is on the library measured
    if key is not None:
        assert not (tmp_path / "school.sqlite3").read_bytes().startswith(b"SQLite format 3")
    # kept 32: the 160 add next to nothing; sqlite3's default 128 kept: 88 more, twice the first 40
    assert more - full < (full - start) / 4, (
        f"{kind}: SQLite heap +{(full - start) / 1e3:.0f} kB for 40 statements, "
        f"+{(more - full) / 1e3:.0f} kB for 160 more"
    )
