"""Engine, sessions and schema migrations.

SQLite gets WAL, foreign keys and synchronous=FULL so a committed event survives a crash or power cut.
Single-seat (a file on a share that only this PC ever opens) gets a rollback journal instead of WAL,
whose shared memory does not work across machines, and an exclusive lock held while hvdesk runs, so
a second PC is refused rather than silently sharing; one pooled connection serialises this app's
own threads.
Every start brings the schema to head (Alembic); a database stamped by a newer hvdesk is refused
untouched. A database already at head (SCHEMA_HEAD, read with one plain query) opens without
loading Alembic: that is every start but the first after an upgrade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from hvdesk import audit, keystore
from hvdesk.errors import HvdeskError, SchemaTooNew
from hvdesk.keystore import DbKey
from hvdesk.safe_word_cipher import SafeWordCipher, attach

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The newest migration's revision (hvdesk/migrations/versions); the tests hold it equal to
# Alembic's own head, so a new migration cannot be forgotten here.
SCHEMA_HEAD = "0022"

_CHAINED = audit  # importing hvdesk.audit chains every Event any Session writes

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CHANGE_CHANNEL = "hvdesk_changes"  # PostgreSQL: every committed write notifies every seat


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


def _safe_word_key(url: str, key: DbKey | None) -> Callable[[], bytes]:
    """Where the safe-word cipher gets its key: this database's key, looked up only when needed."""
    if key is not None:
        return lambda: key.key
    if url in ("sqlite://", "sqlite:///:memory:"):
        ephemeral = keystore.new_key()
        return lambda: ephemeral

    def lookup() -> bytes:
        found = keystore.locate(url)
        if found is None and not url.startswith("sqlite"):
            # every office PC sharing the server must use one key, so none is made up here
            raise HvdeskError(
                f"Safe words on a shared database need the same key on every office PC: set "
                f"{keystore.ENV_KEY} to the school's key, the same value as on the other office "
                'PCs (a new school: 64 random hex digits, e.g. from python -c "import secrets; '
                'print(secrets.token_hex(32))"), and keep it on paper in the school safe.'
            )
        return (found or keystore.create(url)).key

    return lookup


def sqlcipher_url(url: str, key: DbKey) -> URL:
    """sqlite:///path -> sqlite+pysqlcipher://:x'KEY'@/path (SQLAlchemy finds sqlcipher3 itself)."""
    return make_url(url).set(drivername="sqlite+pysqlcipher", password=key.sqlcipher_pragma)


# Prepared statements each SQLite connection keeps (sqlite3's default is 128). Every length of an
# `IN (...)` list is a statement of its own, so in the soak 128 filled in about 15 minutes and
# then held the SQLite heap flat at 4.2-4.55 MB; 32 keeps it about 2.5 MB lower. A tracker check
# uses ~11-17 distinct statements, so 32 does not thrash (least recently used go first; review
# of #16: no slowdown, median paired difference -0.8 ms over 10 pairs).
STATEMENTS_KEPT = 32
PG_CONNECT_TIMEOUT_S = 10  # a server that does not answer a connection is given up on
PG_KEEPALIVE_IDLE_S = 30  # then probed every 10 s, 3 times: a dead server ends the statement


def _pg_connect_args() -> dict[str, Any]:
    """libpq's connect timeout and TCP keepalives: without them a connection to a server that
    went away (a network cut, a powered-off host) waits for ever, and a write with it."""
    return {
        "connect_timeout": PG_CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": PG_KEEPALIVE_IDLE_S,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }


def make_engine(url: str, key: DbKey | None = None, single_seat: bool = False) -> Engine:
    """An engine; `key` opens (or creates) an SQLCipher-encrypted SQLite file; `single_seat`
    takes the file for this process alone (rollback journal, exclusive lock)."""
    if url.startswith("sqlite"):
        connect = {"check_same_thread": False, "timeout": 5, "cached_statements": STATEMENTS_KEPT}
        kwargs: dict[str, Any] = {"connect_args": connect}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        target: str | URL = url
        if key is not None:
            target = sqlcipher_url(url, key)
            kwargs["poolclass"] = QueuePool  # as for plain files, not one connection per thread
        if single_seat and kwargs.get("poolclass") is not StaticPool:
            # the exclusive lock belongs to one connection: a second one (the worker's while the
            # GUI holds the first) is refused "database is locked", so every thread takes turns on one
            kwargs |= {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
        engine = create_engine(target, **kwargs)

        def pragmas(conn: Any, record: Any) -> None:
            _sqlite_pragmas(conn, record, single_seat)

        event.listen(engine, "connect", pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, connect_args=_pg_connect_args())
    attach(engine.dialect, SafeWordCipher(_safe_word_key(url, key)))
    return engine


def _notify_on_commit(sessions: sessionmaker[Session]) -> None:
    """PostgreSQL: a transaction that wrote sends NOTIFY from inside itself, so other seats hear of
    a change exactly when it commits (and never of one that rolled back). Hooked here, once, so no
    service has to remember it."""

    def wrote(session: Session, *_args: Any) -> None:
        session.info["hvdesk_wrote"] = True

    def bulk(state: Any) -> None:
        if state.is_update or state.is_delete:
            wrote(state.session)

    def before_commit(session: Session) -> None:
        if session.new or session.dirty or session.deleted or session.info.get("hvdesk_wrote"):
            session.flush()
            session.execute(text("SELECT pg_notify(:c, '')"), {"c": CHANGE_CHANNEL})
        session.info.pop("hvdesk_wrote", None)

    event.listen(sessions, "after_flush", wrote)
    event.listen(sessions, "do_orm_execute", bulk)
    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_soft_rollback", lambda s, _t: s.info.pop("hvdesk_wrote", None))


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def _scripts(engine: Engine | None = None) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine or create_engine("sqlite://")))


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is stamped with (None: not yet migrated), read with
    plain SQL: no Alembic needed to ask."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def too_new_message(revision: str) -> str:
    return (
        f"This database was written by a newer version of hvdesk (schema {revision}). "
        "Nothing was changed. Install the newer hvdesk, or choose another database with --db."
    )


def refuse_newer_file(path: Path, key: DbKey | None) -> None:
    """Before any engine touches an SQLite file: refuse a newer schema, leaving it byte-identical."""
    from hvdesk.sqlcipher_files import read_schema_version

    revision = read_schema_version(path, key)
    if revision is None or revision == SCHEMA_HEAD:
        return
    try:
        _scripts().get_revision(revision)
    except Exception:
        raise SchemaTooNew(too_new_message(revision)) from None


def migrate(engine: Engine) -> str:
    """Bring the schema to head. Refuses, untouched, a database newer than this app."""
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return current  # nothing to do: Alembic is not even loaded
    from alembic import command

    cfg = alembic_config(engine)
    script = _scripts(engine)
    if current is not None:
        try:
            script.get_revision(current)
        except Exception:
            raise SchemaTooNew(too_new_message(current)) from None
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

    def __init__(
        self,
        url: str,
        *,
        key: DbKey | None = None,
        run_migrations: bool = True,
        single_seat: bool = False,
    ) -> None:
        self.url = url  # never holds the key
        self.key = key  # set when the SQLite file is encrypted (SQLCipher)
        self.single_seat = single_seat
        self.engine = make_engine(url, key, single_seat)
        if run_migrations:
            migrate(self.engine)
            self._share_file()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "postgresql":
            _notify_on_commit(self.sessions)

    def _share_file(self) -> None:
        """A machine-wide school on Linux: writable by every member of the hvdesk group."""
        path = self.path
        if path is not None and path.exists():
            from hvdesk.shared_access import share_database

            share_database(path)

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
            name = Path(self.engine.url.database or ":memory:").name
            # the office should see at a glance when a file is not protected at rest
            return f"local ({name}{', encrypted' if self.key is not None else ', NOT encrypted'})"
        url = self.engine.url
        if url.host:
            return f"server ({url.host})"
        # a Unix socket (no host): name the database, never "(None)"
        return f"server (local socket, {url.database or 'default database'})"

    def brief(self) -> str:
        """describe() in the fewest words, for a status bar: 'school.sqlite3 · NOT encrypted'."""
        if self.is_sqlite:
            name = Path(self.engine.url.database or ":memory:").name
            return f"{name} · {'encrypted' if self.key is not None else 'NOT encrypted'}"
        return f"server {self.engine.url.host}"

    @property
    def path(self) -> Path | None:
        name = self.engine.url.database if self.is_sqlite else None
        return Path(name).resolve() if name and name != ":memory:" else None

    def backup(self, target: Path) -> None:
        """Online SQLite backup (consistent while the app runs), encrypted like the database."""
        import sqlite3

        if not self.is_sqlite:
            raise RuntimeError("backup() is for SQLite; back up PostgreSQL with pg_dump")
        raw = self.engine.raw_connection()
        try:
            if self.key is not None:
                from hvdesk.sqlcipher_files import export_to

                export_to(raw.driver_connection, target, self.key)
                return
            from hvdesk.sqlcipher_files import COPY_CACHE

            dest = sqlite3.connect(str(target))
            dest.execute(f"PRAGMA cache_size = {COPY_CACHE}")
            with dest:
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            dest.close()
        finally:
            raw.close()

    def dispose(self) -> None:
        self.engine.dispose()
