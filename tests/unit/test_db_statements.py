"""The SQLite connections keep a small number of prepared statements, so a window left running for
weeks stops growing early: every length of an `IN (...)` list (the visits out, their events) is
a statement of its own, and sqlite3's default of 128 kept per pooled connection filled for hours
in the soak (bench/bench_soak.py: sqlite3.Statement and SQLite's heap still climbing at 20 min)."""

from __future__ import annotations

import gc

from sqlalchemy import bindparam, text

from hvdesk.db import STATEMENTS_KEPT, make_engine


def _statements() -> int:
    gc.collect()
    return sum(
        1
        for o in gc.get_objects()
        if type(o).__qualname__ == "Statement" and type(o).__module__ == "sqlite3"
    )


def test_prepared_statements_kept_per_connection_are_few(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'school.sqlite3'}")
    query = text("SELECT 1 WHERE 1 IN :ids").bindparams(bindparam("ids", expanding=True))
    try:
        with engine.connect() as conn:
            before = _statements()
            for n in range(1, 201):  # 200 shapes of one query, as the visits out come and go
                conn.execute(query, {"ids": list(range(n))}).all()
            kept = _statements() - before
    finally:
        engine.dispose()
    assert kept <= STATEMENTS_KEPT
    assert STATEMENTS_KEPT <= 32
