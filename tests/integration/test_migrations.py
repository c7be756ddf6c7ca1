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
