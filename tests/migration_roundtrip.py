"""Migrations 0019 -> 0020 -> 0021 -> 0022 and back, with alarms about a person present, on any engine.

One scenario run on plain SQLite, SQLCipher and a real PostgreSQL (test_migrations,
test_postgres): rows written by the services at the newest schema survive going back to 0019 and
up again; with an alarm about a person (no visit) a downgrade past 0020 is refused from 0022, 0021
and 0020 whatever the form of the target (revision, -N, head-N, base), and a refused downgrade
changes nothing at all (revision, columns, indexes, keys, rows).
Such an alarm has audit events, which are never deleted, so the refusal is for good: by design.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from hvdesk.clock import FakeClock
from hvdesk.db import Database, alembic_config, current_revision, head_revision
from hvdesk.models import AlarmLevel
from hvdesk.services.alarms import AlarmService, StaffRaise
from hvdesk.services.base import Actor
from tests.notifykit import visit_out

OFFICE = Actor(None, "Sam Office")
REFUSED = "duress alarms raised with no visit out"
TABLES = ("alarm", "event", "visit", "staff")


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything a refused downgrade must leave as it was."""
    inspector = inspect(engine)
    shape = {
        t: (
            sorted(c["name"] for c in inspector.get_columns(t)),
            sorted(str(ix["name"]) for ix in inspector.get_indexes(t)),
            sorted(str(fk["name"]) for fk in inspector.get_foreign_keys(t)),
        )
        for t in TABLES
    }
    with engine.connect() as conn:
        rows = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in TABLES}
    return {"revision": current_revision(engine), "shape": shape, "rows": rows}


def _step(engine: Engine, revision: str, *, down: bool, lands: str | None = None) -> None:
    """One alembic command to `revision` (relative forms too), landing on `lands`."""
    (command.downgrade if down else command.upgrade)(alembic_config(engine), revision)
    assert current_revision(engine) == (lands or revision)


def _visit_alarm_nullable(engine: Engine) -> bool:
    [column] = [c for c in inspect(engine).get_columns("alarm") if c["name"] == "visit_id"]
    return bool(column["nullable"])


def _person_alarm(db: Database, clock: FakeClock, staff_id: int) -> int:
    raised = StaffRaise(staff_id, "Tom Lee", AlarmLevel.DURESS, "DURESS: Tom Lee", "duress@t:1")
    with db.transaction() as session:
        return AlarmService(db, clock).raise_for_staff(session, OFFICE, raised, clock.now()).id


def _refused(engine: Engine, revision: str) -> None:
    before = snapshot(engine)
    with pytest.raises(RuntimeError, match=REFUSED):
        command.downgrade(alembic_config(engine), revision)
    assert snapshot(engine) == before


def round_trip(db: Database) -> None:
    """The whole scenario on `db` (migrated to head by Database())."""
    engine = db.engine
    assert head_revision() == "0022" and current_revision(engine) == "0022"
    clock = FakeClock(datetime(2026, 12, 1, 9, 45, tzinfo=UTC))
    visit_id = visit_out(db, clock, OFFICE)
    AlarmService(db, clock).duress(OFFICE, visit_id, "code word on the call")
    kept = snapshot(engine)["rows"]
    _step(engine, "0021", down=True)

    # back to 0019 and up again with only visit alarms: every row kept
    _step(engine, "0020", down=True)
    _step(engine, "0019", down=True)
    assert not _visit_alarm_nullable(engine)
    assert "staff_id" not in {c["name"] for c in inspect(engine).get_columns("alarm")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alarm")).scalar() == 1
    _step(engine, "0020", down=False)
    assert _visit_alarm_nullable(engine)
    _step(engine, "0021", down=False)
    assert snapshot(engine)["rows"]["event"] == kept["event"]
    _step(engine, "0022", down=False)  # the services write at the newest schema

    # an alarm about a person: past 0020 is refused from 0021 and from 0020, changing nothing
    with db.read() as session:
        tom = session.execute(text("SELECT id FROM staff WHERE name = 'Tom Lee'")).scalar_one()
    person = _person_alarm(db, clock, tom)
    for past_0020 in ("0019", "base", "-3", "head-3"):  # from 0022
        _refused(engine, past_0020)
    _step(engine, "-2", down=True, lands="0020")  # relative targets that stop at 0020 run
    _step(engine, "0022", down=False)
    _step(engine, "head-2", down=True, lands="0020")
    _step(engine, "0022", down=False)
    _step(engine, "0021", down=True)
    for past_0020 in ("0019", "base", "-2"):  # from 0021
        _refused(engine, past_0020)
    _step(engine, "0020", down=True)  # back to 0020 keeps it
    _refused(engine, "0019")
    _step(engine, "0022", down=False)
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT visit_id, staff_id FROM alarm WHERE id = {person}")).one()
    assert tuple(row) == (None, tom)
