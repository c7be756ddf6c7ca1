from __future__ import annotations

from datetime import UTC, date, datetime, time

from hvdesk.models import LoneWorkingAssessment, Staff
from hvdesk.policy import preset
from hvdesk.rules.hours import is_evening, is_out_of_hours
from hvdesk.rules.staffing import current_lone_working, dbs_current, dbs_problem

P = preset("harborne")


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def test_school_hours_in_winter_and_summer():
    assert not is_out_of_hours(at(2026, 11, 24, 10), at(2026, 11, 24, 11), P)
    assert is_out_of_hours(at(2026, 11, 24, 15, 30), at(2026, 11, 24, 16, 30), P)
    # 07:45 UTC in June is 08:45 in London: inside the school day
    assert not is_out_of_hours(at(2027, 6, 15, 7, 45), at(2027, 6, 15, 8, 30), P)
    assert is_out_of_hours(at(2026, 11, 28, 10), at(2026, 11, 28, 11), P)  # Saturday


def test_evening():
    assert is_evening(at(2026, 11, 24, 18, 30), at(2026, 11, 24, 19), P)
    assert not is_evening(at(2026, 11, 24, 16, 30), at(2026, 11, 24, 17, 30), P)
    # 17:30 UTC in summer is 18:30 London
    assert is_evening(at(2027, 6, 15, 17, 30), at(2027, 6, 15, 18), P)
    custom = P.with_changes(evening_from=time(19, 0))
    assert not is_evening(at(2026, 11, 24, 18, 0), at(2026, 11, 24, 18, 45), custom)


def test_dbs_current_and_problem_messages():
    s = Staff(name="Jo", mobile="+447700900123", dbs_date=date(2023, 11, 25))
    assert dbs_current(s, P, date(2026, 11, 24))
    assert not dbs_current(s, P, date(2026, 11, 25))
    assert "older than 3 years" in dbs_problem(s, P, date(2026, 12, 1))
    assert "no DBS" in dbs_problem(Staff(name="Al", mobile="x"), P, date(2026, 1, 1))
    assert (
        dbs_problem(
            Staff(name="Al", mobile="x"), P.with_changes(dbs_required=False), date(2026, 1, 1)
        )
        is None
    )


def test_lone_working_current_picks_newest_valid():
    old = LoneWorkingAssessment(signed_on=date(2025, 1, 10), mobile="", safe_word="a")
    new = LoneWorkingAssessment(signed_on=date(2026, 2, 29 - 1), mobile="", safe_word="b")
    assert current_lone_working([old, new], P, date(2026, 11, 24)) is new
    assert current_lone_working([old], P, date(2026, 11, 24)) is None
    assert current_lone_working([], P, date(2026, 11, 24)) is None
