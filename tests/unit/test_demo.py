"""The demo school is the same school every time it is loaded at the same moment: screenshots,
benchmarks and the UI tests all count on its rows (how many of each, in which state)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from hvdesk.demo import DEMO_PASSWORD, load_demo
from hvdesk.models import Event, Visit
from hvdesk.services.auth import AuthService

# Loaded at SCHOOL_MORNING (Tuesday 24 Nov 2026, 09:00) with the default seed and preset.
ROWS = {
    "attendance_mark": 5280,
    "event": 284,
    "household": 30,
    "known_risk": 8,
    "lone_working_assessment": 7,
    "outcome": 15,
    "pupil": 40,
    "risk_assessment": 28,
    "risk_hazard": 140,
    "setting": 2,
    "staff": 11,
    "user_account": 4,
    "visit": 54,
}
VISITS = {
    "approved": 12,
    "awaiting_approval": 9,
    "cancelled": 5,
    "completed": 15,
    "draft": 4,
    "left_property": 2,
    "on_site": 2,
    "out": 1,
    "rejected": 2,
    "returned": 2,
}
EVENTS = {
    "approved": 39,
    "arrived": 21,
    "attendance_imported": 1,
    "booked": 54,
    "cancelled": 5,
    "checked_in": 21,
    "completed": 15,
    "demo_loaded": 1,
    "departed": 22,
    "left_property": 19,
    "outcome_recorded": 15,
    "policy_changed": 1,
    "rejected": 2,
    "returned": 17,
    "school_changed": 1,
    "submitted": 50,
}


def test_the_demo_school_has_its_rows_in_every_table(demo_db):
    with demo_db.read() as s:
        found = {table: s.scalar(text(f'select count(*) from "{table}"')) for table in ROWS}
    assert found == ROWS


def test_the_demo_visits_are_in_every_lifecycle_state_with_their_events(demo_db):
    with demo_db.read() as s:
        visits = dict(s.execute(select(Visit.status, func.count()).group_by(Visit.status)).all())
        events = dict(s.execute(select(Event.kind, func.count()).group_by(Event.kind)).all())
    assert visits == VISITS
    assert events == EVENTS


def test_the_demo_accounts_sign_in_with_the_demo_password(demo_db, clock):
    auth = AuthService(demo_db, clock)
    for username in ("office", "head", "jpatel", "admin"):
        assert auth.sign_in(username, DEMO_PASSWORD).name


def test_the_demo_refuses_a_database_that_already_has_staff(demo_db, clock):
    with pytest.raises(RuntimeError, match="already has staff"):
        load_demo(demo_db, clock)
