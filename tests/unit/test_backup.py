from __future__ import annotations

import sqlite3
from datetime import timedelta

from hvdesk.backup import daily_backup, latest_backup
from hvdesk.db import Database


def test_daily_backup_once_per_day_and_pruned(demo_db, clock):
    first = daily_backup(demo_db, clock)
    assert first is not None and first.exists()
    assert daily_backup(demo_db, clock) is None  # today's exists
    with sqlite3.connect(first) as conn:
        assert conn.execute("select count(*) from household").fetchone()[0] == 30
    for _ in range(20):
        clock.advance(timedelta(days=1))
        daily_backup(demo_db, clock, keep=3)
    assert len(list(first.parent.glob("hvdesk-*.sqlite3"))) == 3
    assert latest_backup(demo_db) is not None


def test_memory_database_has_no_backup(clock):
    db = Database("sqlite://")
    assert daily_backup(db, clock) is None
    assert latest_backup(db) is None
