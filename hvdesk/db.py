"""Engine, sessions and schema migrations.

SQLite gets WAL, foreign keys and synchronous=FULL so a committed event survives a crash or power cut.
Single-seat (a file on a share that only this PC ever opens) gets a rollback journal instead of WAL,
whose shared memory does not work across machines, and an exclusive lock held while hvdesk runs, so
a second PC is refused rather than silently sharing; one pooled connection serialises this app's
own threads.
Every start runs Alembic up to head; a database stamped by a newer hvdesk is refused untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from hvdesk.errors import SchemaTooNew

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, single_seat: bool = False) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    if single_seat:
        cur.execute("PRAGMA locking_mode=EXCLUSIVE")
        cur.execute("PRAGMA journal_mode=DELETE")
    else:
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str, single_seat: bool = False) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 5}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        elif single_seat:
            kwargs |= {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
        engine = create_engine(url, **kwargs)

        def pragmas(conn: Any, record: Any) -> None:
            _sqlite_pragmas(conn, record, single_seat)

        event.listen(engine, "connect", pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> str:
    """Bring the schema to head. Refuses, untouched, a database newer than this app."""
    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    current = current_revision(engine)
    if current is not None:
        try:
            script.get_revision(current)
        except Exception:
            raise SchemaTooNew(
                f"This database was written by a newer version of hvdesk (schema {current}). "
                "Nothing was changed. Install the newer hvdesk, or choose another database with --db."
            ) from None
    elif inspect(engine).has_table("visit"):
        raise SchemaTooNew(
            "This database has hvdesk tables but no schema version; it was not made by hvdesk "
            "migrations. Nothing was changed."
        )
    command.upgrade(cfg, "head")
    head = script.get_current_head()
    assert head is not None
    return head


class Database:
    """One engine and its session factory. Services open one short session per use case."""

    def __init__(self, url: str, *, run_migrations: bool = True, single_seat: bool = False) -> None:
        self.url = url
        self.single_seat = single_seat
        self.engine = make_engine(url, single_seat)
        if run_migrations:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def describe(self) -> str:
        if self.is_sqlite:
            return f"local ({Path(self.engine.url.database or ':memory:').name})"
        return f"server ({self.engine.url.host})"

    def backup(self, target: Path) -> None:
        """Online SQLite backup (consistent while the app runs)."""
        import sqlite3

        if not self.is_sqlite:
            raise RuntimeError("backup() is for SQLite; back up PostgreSQL with pg_dump")
        raw = self.engine.raw_connection()
        try:
            dest = sqlite3.connect(str(target))
            with dest:
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            dest.close()
        finally:
            raw.close()

    def dispose(self) -> None:
        self.engine.dispose()
