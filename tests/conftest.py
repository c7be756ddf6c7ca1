"""Shared fixtures: a fake clock, a fresh database per test, actors for each role.

QT_QPA_PLATFORM is set before anything can import Qt, so UI tests run without a display.

Migrating a schema and loading the demo school (argon2 hashes, a fortnight of audited visits) cost far
more than any test body, so each is built once per test session as a template file and every test gets
its own private copy through SQLite's online backup API: tests still never share a database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")
os.environ.setdefault("HVDESK_WINDOW_SENDER", "0")  # a window's sender thread: tests drive it
# One fixed database key for the suite: no keyring or key file is touched, and subprocesses inherit it.
os.environ.setdefault("HVDESK_DB_KEY", "5e" * 32)

import pytest

from hvdesk.clock import FakeClock
from hvdesk.db import Database
from hvdesk.models import Role
from hvdesk.services.base import Actor

# Tuesday 24 Nov 2026, 09:00 in London (GMT, so UTC too): a normal school morning.
SCHOOL_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_machine_config(tmp_path_factory, monkeypatch):
    """A machine-wide hvdesk.ini on the test machine must not change which database tests open."""
    monkeypatch.setenv("HVDESK_MACHINE_CONFIG_DIR", str(tmp_path_factory.mktemp("machine")))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SCHOOL_MORNING)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent private copy of a template database (WAL contents included)."""
    src = sqlite3.connect(str(source))
    dest = sqlite3.connect(str(target))
    try:
        src.backup(dest)
    finally:
        dest.close()
        src.close()


@pytest.fixture(scope="session", autouse=True)
def _fast_argon2():
    """Passwords and texting PINs hashed at argon2's smallest cost inside the test process.

    At production cost (64 MiB, 3 passes, 4 lanes) each hash or check takes 50-400 ms of CPU, and
    the suite makes hundreds (sign-ins, PIN texts, lone-working forms, the demo school's accounts).
    No test is about the cost itself; the hashes are still real argon2id, checked the same way.
    Processes a test starts (the CLI, the monitor) keep the production cost.
    """
    from argon2 import PasswordHasher

    from hvdesk.services import auth, lone_working

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", cheap)
        patch.setattr(lone_working, "_pins", cheap)
        yield


@pytest.fixture(scope="session", autouse=True)
def _one_certificate_store():
    """httpx loads the whole CA bundle into a new SSL context for every client, and the SMS and
    texts adapters build a client for each monitor tick or poll: 20-300 ms each, hundreds of times
    in the suite, for tests that only ever speak plain HTTP to 127.0.0.1. Within the test process
    the default context (verify=True, no client certificate) is made once and shared, as SSL
    contexts may be; any other arguments still get a new one."""
    from httpx._transports import default as transport

    real = transport.create_ssl_context
    made: dict[bool, object] = {}

    def shared(verify=True, cert=None, trust_env=True):
        if verify is not True or cert is not None:
            return real(verify=verify, cert=cert, trust_env=trust_env)
        if trust_env not in made:
            made[trust_env] = real(verify=verify, cert=cert, trust_env=trust_env)
        return made[trust_env]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "create_ssl_context", shared)
        yield


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory, _fast_argon2) -> Path:
    """A migrated, empty database file, built once per test session."""
    path = tmp_path_factory.mktemp("templates") / "empty.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(empty_template: Path, tmp_path_factory) -> Path:
    """The demo school loaded at SCHOOL_MORNING, built once per test session."""
    from hvdesk.demo import load_demo

    path = tmp_path_factory.mktemp("templates") / "demo.sqlite3"
    _copy_sqlite(empty_template, path)
    database = Database(f"sqlite:///{path}", run_migrations=False)
    try:
        load_demo(database, FakeClock(SCHOOL_MORNING))
    finally:
        database.dispose()
    return path


def open_copy(template: Path, path: Path) -> Database:
    """A database at `path` that starts as a private copy of a template (no migration run)."""
    _copy_sqlite(template, path)
    return Database(f"sqlite:///{path}", run_migrations=False)


@pytest.fixture
def db(tmp_path, request, empty_template: Path) -> Database:
    """A fresh database per test: a copy of the migrated template, or of the demo school when the
    test also asks for `demo_db` (so the demo's rows come first, as when it was loaded in place)."""
    path = tmp_path / "test.sqlite3"
    if "demo_db" in request.fixturenames:
        database = open_copy(request.getfixturevalue("demo_template"), path)
    else:
        database = open_copy(empty_template, path)
    yield database
    database.dispose()


_HASH = None


def _user(db: Database, username: str, name: str, role: Role) -> Actor:
    """A real user row (events reference it), with one shared argon2 hash to keep tests fast."""
    global _HASH
    from sqlalchemy import select

    from hvdesk.models import UserAccount
    from hvdesk.services.auth import hash_password

    if _HASH is None:
        _HASH = hash_password("password123")
    with db.transaction() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is None:
            user = UserAccount(
                username=username,
                display_name=name,
                role=role.value,
                password_hash=_HASH,
                created_at=SCHOOL_MORNING,
            )
            session.add(user)
            session.flush()
        return Actor(user.id, user.display_name, user.role)


@pytest.fixture
def office(db: Database) -> Actor:
    return _user(db, "t_office", "Sam Office", Role.OFFICE)


@pytest.fixture
def approver(db: Database) -> Actor:
    return _user(db, "t_head", "Linda Francis", Role.APPROVER)


@pytest.fixture
def visitor(db: Database) -> Actor:
    return _user(db, "t_visitor", "Jasmin Patel", Role.VISITOR)


@pytest.fixture
def demo_db(db: Database, clock: FakeClock) -> Database:
    """The demo school, as loaded at SCHOOL_MORNING (the `db` fixture copied it in)."""
    assert clock.now() == SCHOOL_MORNING, "the demo template was loaded at SCHOOL_MORNING"
    return db


@pytest.fixture
def make_visit(db: Database, clock: FakeClock):
    """Insert one visit directly (booking's checks bypassed) for tests of later stages.

    make_visit(household_id=..., lead_id=..., companion_id=None, start=<aware UTC>, minutes=45,
    status="draft", **other Visit fields) -> visit id. Starts tomorrow at 10:00 by default.
    """
    from datetime import timedelta

    from hvdesk.models import Visit

    def make(
        *,
        household_id: int,
        lead_id: int,
        companion_id: int | None = None,
        start: datetime | None = None,
        minutes: int = 45,
        status: str = "draft",
        **fields,
    ) -> int:
        begin = start or clock.now().replace(hour=10, minute=0) + timedelta(days=1)
        end = begin + timedelta(minutes=minutes)
        with db.transaction() as session:
            visit = Visit(
                household_id=household_id,
                purpose=fields.pop("purpose", "attendance"),
                planned_departure=begin - timedelta(minutes=15),
                start=begin,
                end=end,
                expected_return=end + timedelta(minutes=15),
                lead_staff_id=lead_id,
                companion_staff_id=companion_id,
                status=status,
                created_at=clock.now(),
                updated_at=clock.now(),
                **fields,
            )
            session.add(visit)
            session.flush()
            return visit.id

    return make


@pytest.fixture(scope="session")
def _demo_file_template(tmp_path_factory) -> tuple[Path, str]:
    """`hvdesk demo` into an encrypted file, run once per session; and the key it was made with."""
    from hvdesk import keystore
    from hvdesk.cli import main

    path = tmp_path_factory.mktemp("demo_file") / "school.sqlite3"
    assert main(["demo", "--db", str(path)]) == 0
    return path, os.environ[keystore.ENV_KEY]


@pytest.fixture
def demo_file(tmp_path, capsys, request) -> Path:
    """The demo school in an encrypted file, as `hvdesk demo --db school.sqlite3` leaves it.

    With the suite's key (HVDESK_DB_KEY) it is a copy of a file made once per session; a test that
    took the key away first (own key files) gets the command run for it, making its own key."""
    from hvdesk import keystore
    from hvdesk.cli import main

    path = tmp_path / "school.sqlite3"
    if os.environ.get(keystore.ENV_KEY):
        template, key = request.getfixturevalue("_demo_file_template")
        assert os.environ[keystore.ENV_KEY] == key, "the demo template was made with another key"
        for part in template.parent.glob(f"{template.name}*"):  # the file, and any -wal/-shm
            shutil.copyfile(part, tmp_path / part.name)
    else:
        assert main(["demo", "--db", str(path)]) == 0
    capsys.readouterr()
    return path
