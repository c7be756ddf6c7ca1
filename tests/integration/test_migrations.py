"""Schema under Alembic: upgrade from empty, idempotent restart, refuse a newer database."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from hvdesk.db import Database, current_revision, head_revision, make_engine, migrate
from hvdesk.errors import SchemaTooNew
from hvdesk.models import Base


def test_upgrade_from_empty_creates_every_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    db = Database(url)
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(db.engine) == head_revision()
    db.dispose()
    Database(url).dispose()  # a second start changes nothing


def test_sqlite_is_durable(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    db.dispose()


def test_models_match_the_migrations(tmp_path):
    """Autogenerate finds nothing to do: nobody changed a model without a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_refuses_a_newer_schema_and_touches_nothing(tmp_path):
    path = tmp_path / "future.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num='9999_future'"))
    tables_before = set(inspect(engine).get_table_names())
    with pytest.raises(SchemaTooNew, match="newer version of hvdesk"):
        migrate(engine)
    assert current_revision(engine) == "9999_future"
    assert set(inspect(engine).get_table_names()) == tables_before
    engine.dispose()


def test_refuses_unversioned_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'odd.sqlite3'}")
    Base.metadata.create_all(engine)
    with pytest.raises(SchemaTooNew, match="no schema version"):
        migrate(engine)


def test_cli_refuses_newer_database_with_clear_message(tmp_path, capsys):
    from hvdesk.cli import main

    path = tmp_path / "future.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num='9999_future'"))
    engine.dispose()
    assert main(["migrate", "--db", str(path)]) == 2
    assert "newer version of hvdesk" in capsys.readouterr().err


def test_a_newer_database_is_refused_byte_identical_in_any_journal_mode(tmp_path, capsys):
    """The version is read read-only before any pragma: no WAL switch, no -wal file, same bytes."""
    import hashlib
    import sqlite3

    from hvdesk.cli import main

    path = tmp_path / "future.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("UPDATE alembic_version SET version_num='9999_future'")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert main(["migrate", "--db", str(path)]) == 2
    assert "newer version of hvdesk" in capsys.readouterr().err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.sqlite3"]


def _with_a_person_alarm(tmp_path):
    """A database at the newest revision holding one alarm about a person (no visit)."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from hvdesk.models import Alarm, Staff

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    migrate(engine)
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        staff = Staff(name="Jasmin Patel", mobile="+447700900123", created_at=at)
        session.add(staff)
        session.flush()
        session.add(
            Alarm(
                visit_id=None,
                staff_id=staff.id,
                deadline_key="duress@text:1",
                level="duress",
                reason="DURESS: Jasmin Patel",
                due_at=at,
                raised_at=at,
            )
        )
    return engine


def test_a_refused_downgrade_past_the_person_alarms_changes_nothing(tmp_path):
    """An alarm about a person (no visit) cannot go back to a schema without one: the downgrade
    is refused before any step runs, so the database stays whole at the newest revision."""
    from alembic import command

    from hvdesk.db import alembic_config

    engine = _with_a_person_alarm(tmp_path)
    before = {ix["name"] for ix in inspect(engine).get_indexes("visit")}
    with pytest.raises(RuntimeError, match="duress alarms raised with no visit out"):
        command.downgrade(alembic_config(engine), "0019")
    assert current_revision(engine) == head_revision()
    assert {ix["name"] for ix in inspect(engine).get_indexes("visit")} == before
    assert "ix_visit_companion_start" in before
    engine.dispose()


def test_going_back_one_step_keeps_the_person_alarms(tmp_path):
    """Back to 0020 keeps alarms about a person: only past it is refused."""
    from alembic import command

    from hvdesk.db import alembic_config

    engine = _with_a_person_alarm(tmp_path)
    command.downgrade(alembic_config(engine), "0020")
    assert current_revision(engine) == "0020"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alarm WHERE visit_id IS NULL")).scalar()
    engine.dispose()


def test_schema_head_is_alembic_s_head():
    """A new migration must move SCHEMA_HEAD too, or every start would skip it."""
    from hvdesk.db import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


OPEN_PROBE = """
import sys
from hvdesk.db import Database
Database(sys.argv[1]).dispose()
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


@pytest.mark.slow
def test_a_database_at_head_opens_without_loading_alembic(tmp_path):
    """Every start but the first after an upgrade: one plain query, not Alembic (a tenth of a
    second or more of the sign-in); a database behind head still migrates with it."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    from alembic import command

    from hvdesk.db import alembic_config

    engine = make_engine(url)
    migrate(engine)
    command.downgrade(alembic_config(engine), "0020")
    engine.dispose()

    def modules_after_open() -> set[str]:
        out = subprocess.run(
            [sys.executable, "-c", OPEN_PROBE, url],
            capture_output=True,
            text=True,
            cwd=root,
            timeout=60,
            check=True,
        )
        return set(out.stdout.split())

    assert "alembic" in modules_after_open()  # behind head: migrated (0021 runs)
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert "alembic" not in modules_after_open()  # at head now
@pytest.mark.parametrize("encrypted", [False, True], ids=["sqlite", "sqlcipher"])
def test_0019_to_0021_and_back_with_person_alarms(tmp_path, encrypted):
    """The round trip of tests/migration_roundtrip.py on a plain and an encrypted file."""
    import os

    from hvdesk.keystore import DbKey
    from tests.migration_roundtrip import round_trip

    key = DbKey(os.urandom(32), "the test", "env") if encrypted else None
    db = Database(f"sqlite:///{tmp_path / 'round.sqlite3'}", key=key)
    try:
        round_trip(db)
    finally:
        db.dispose()
    if encrypted:
        from hvdesk.sqlcipher_files import is_plain_sqlite

        assert not is_plain_sqlite(tmp_path / "round.sqlite3")
