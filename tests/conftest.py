"""Shared fixtures: a fake clock, a fresh database per test, actors for each role.

QT_QPA_PLATFORM is set before anything can import Qt, so UI tests run without a display.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HVDESK_NO_SOUND", "1")

import pytest

from hvdesk.clock import FakeClock
from hvdesk.db import Database
from hvdesk.models import Role
from hvdesk.services.base import Actor

# Tuesday 24 Nov 2026, 09:00 in London (GMT, so UTC too): a normal school morning.
SCHOOL_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SCHOOL_MORNING)


@pytest.fixture
def db(tmp_path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
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
    from hvdesk.demo import load_demo

    load_demo(db, clock)
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
