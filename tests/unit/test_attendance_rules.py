"""Attendance rules, pure: school days, runs of unexplained absence, percentages, the file reader.

Weekends, holidays (days with no marks), authorised marks, half days, a pupil joining mid-window
and a file with duplicates, each with numbers worked by hand.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hvdesk.rules import attendance as a
from hvdesk.rules.attendance import Mark
from hvdesk.rules.attendance_file import parse

MON = date(2026, 11, 16)  # a Monday
TODAY = date(2026, 11, 30)  # the day a file is imported


def weekdays(start: date, n: int) -> list[date]:
    out, day = [], start
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def day_marks(day: date, am: str, pm: str | None = None) -> list[Mark]:
    return [Mark(day, "AM", am), Mark(day, "PM", am if pm is None else pm)]


def marks_for(days: list[date], codes: list[str]) -> list[Mark]:
    return [
        m
        for d, c in zip(days, codes, strict=True)
        for m in day_marks(d, c, "\\" if c == "/" else c)
    ]


def test_weekends_and_days_with_no_marks_are_not_school_days():
    days = weekdays(MON, 10)  # two school weeks
    holiday = days[4]  # Friday: nobody has a mark (training day)
    everyone = [m for d in days if d != holiday for m in day_marks(d, "/", "\\")]
    saturday = [Mark(MON + timedelta(days=5), "AM", "/")]  # a Saturday club mark
    closed = [Mark(days[7], "AM", "#"), Mark(days[7], "PM", "#")]
    found = a.school_days(everyone + saturday + [m for m in closed])
    assert holiday not in found and MON + timedelta(days=5) not in found
    assert len(found) == 9


def test_run_of_unexplained_absence_counts_school_days_across_a_weekend_and_a_holiday():
    days = weekdays(MON, 8)  # Mon..Wed next week
    holiday = days[4]  # Friday, no marks for anyone
    school = [d for d in days if d != holiday]
    pupil = marks_for(school, ["/", "/", "/", "N", "O", "N", "N"])  # Thu, then Mon-Wed
    run = a.current_absence_run(pupil, school)
    assert run == a.AbsenceRun(days[3], 4)  # Thu + Mon + Tue + Wed; Fri and the weekend skipped
    assert run.key == days[3].isoformat()


def test_authorised_and_present_marks_break_the_run_and_half_days_count_as_seen():
    school = weekdays(MON, 5)
    assert a.current_absence_run(marks_for(school, ["N", "N", "I", "N", "N"]), school).days == 2
    half = marks_for(school[:4], ["N", "N", "N", "N"]) + day_marks(school[4], "/", "N")
    assert a.current_absence_run(half, school) is None  # in for the morning: seen today
    late_half = marks_for(school[:4], ["/", "/", "/", "/"]) + day_marks(school[4], "N", "N")
    assert a.current_absence_run(late_half, school).days == 1
    # no mark on a school day (not on roll yet) breaks a run
    joiner = marks_for(school[3:], ["N", "N"])
    assert a.current_absence_run(joiner, school).days == 2


@pytest.mark.parametrize(
    ("days_absent", "flag", "suggested"),
    [(1, False, False), (2, False, False), (3, False, True), (1, True, True)],
)
def test_harborne_third_day_or_first_with_a_safeguarding_flag(days_absent, flag, suggested):
    school = weekdays(MON, 5)
    codes = ["/"] * (5 - days_absent) + ["N"] * days_absent
    found = a.triggers(
        marks_for(school, codes),
        school,
        safeguarding_flag=flag,
        on_day=3,
        on_day_flagged=1,
        below_percent=None,
        months=3,
    )
    assert [t.trigger for t in found] == ([a.ABSENCE_RUN] if suggested else [])


def test_percentage_over_three_months_with_a_mid_window_joiner_and_not_counted_marks():
    until = date(2026, 11, 27)
    school = weekdays(date(2026, 8, 1), 90)
    school = [d for d in school if d <= until]
    # 10 sessions: 8 attended (incl. an approved activity and a late), 2 absent; X not counted
    joiner_days = school[-6:]
    codes = [("/", "\\"), ("/", "\\"), ("L", "\\"), ("P", "\\"), ("N", "N"), ("X", "X")]
    joiner = [
        m for d, (am, pm) in zip(joiner_days, codes, strict=True) for m in day_marks(d, am, pm)
    ]
    rate = a.attendance_rate(joiner, until, 3)
    assert (rate.attended, rate.possible) == (8, 10)
    assert rate.percent == 80.0
    old = [m for d in weekdays(date(2026, 6, 1), 5) for m in day_marks(d, "N")]
    assert a.attendance_rate(old + joiner, until, 3).possible == 10  # before the window
    assert rate.since == date(2026, 8, 28)


def test_harrogate_flags_below_ninety_percent():
    school = weekdays(MON, 10)
    ninety = marks_for(school, ["/"] * 9 + ["G"])  # 18 of 20 = 90%: not below
    eighty_five = marks_for(school, ["/"] * 8 + ["I", "/"])
    eighty_five[1] = Mark(school[0], "PM", "N")  # 17 of 20 = 85%
    kw = dict(safeguarding_flag=False, on_day=None, on_day_flagged=None, below_percent=90, months=3)
    assert a.triggers(ninety, school, **kw) == []
    found = a.triggers(eighty_five, school, **kw)
    assert [t.trigger for t in found] == [a.LOW_ATTENDANCE]
    assert "85.0%" in found[0].reason and "17 of 20" in found[0].reason


def test_add_months_keeps_the_end_of_the_month():
    assert a.add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert a.add_months(date(2024, 5, 31), -3) == date(2024, 2, 29)
    assert a.add_months(date(2026, 1, 15), -3) == date(2025, 10, 15)


# --- the file -----------------------------------------------------------------------------


def test_file_columns_in_any_order_both_date_forms_and_dash_skipped():
    text = (
        "Name,Mark,Date,Session,UPN,Adno\n"
        "Aisha,/,2026-11-24,AM,A123456789012,1001\n"
        "Aisha,n,24/11/2026,pm,A123456789012,1001\n"
        "Aisha,-,25/11/2026,AM,A123456789012,1001\n"
    )
    parsed = parse(text, TODAY)
    assert parsed.errors == []
    assert [(r.line, r.day, r.session, r.code) for r in parsed.rows] == [
        (2, date(2026, 11, 24), "AM", "/"),
        (3, date(2026, 11, 24), "PM", "N"),
    ]


def test_file_with_duplicates_same_mark_ignored_different_mark_is_an_error():
    head = "UPN,Date,Session,Mark\n"
    same = head + "A123456789012,2026-11-24,AM,N\n" * 2
    parsed = parse(same, TODAY)
    assert parsed.errors == [] and len(parsed.rows) == 1 and parsed.duplicates == 1
    clash = head + "A123456789012,2026-11-24,AM,N\nA123456789012,2026-11-24,AM,I\n"
    assert parse(clash, TODAY).errors == [
        "line 3: UPN A123456789012 24/11/2026 AM is also on line 2 with a different mark "
        "('N', here 'I')"
    ]


def test_bad_rows_are_named_by_line_and_reason():
    text = (
        "UPN,Date,Session,Mark\n"
        "A123456789012,2026-11-31,AM,N\n"
        "A123456789012,2026-11-24,EVE,N\n"
        "A123456789012,2026-11-24,AM,Q9\n"
        "SHORT,2026-11-24,AM,N\n"
        ",2026-11-24,AM,N\n"
    )
    errors = parse(text, TODAY).errors
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "not a date" in errors[0] and "AM or PM" in errors[1]
    assert "DfE attendance code" in errors[2] and "13 characters" in errors[3]
    assert "no UPN or admission number" in errors[4]
    assert "no Mark" in parse("UPN,Date,Session\n", TODAY).errors[0]
    assert "empty" in parse("", TODAY).errors[0]


def test_low_attendance_is_keyed_on_the_day_it_was_flagged_not_the_moving_window():
    days = weekdays(MON, 10)
    found = a.triggers(
        marks_for(days, ["/"] * 8 + ["O", "O"]),
        days,
        safeguarding_flag=False,
        on_day=None,
        on_day_flagged=None,
        below_percent=90,
        months=3,
    )
    assert [(t.trigger, t.key) for t in found] == [(a.LOW_ATTENDANCE, days[-1].isoformat())]


def test_recovered_since_needs_a_day_back_at_the_threshold_after_the_flag():
    days = weekdays(MON, 20)
    low = marks_for(days[:10], ["/"] * 8 + ["O", "O"])  # 80% on day 10
    still_low = low + marks_for(days[10:11], ["/"])  # 81.8% on day 11
    assert not a.recovered_since(still_low, days[9], days[10], 3, 90)
    back = low + marks_for(days[10:], ["/"] * 10)  # 90% on day 20
    assert a.recovered_since(back, days[9], days[-1], 3, 90)
    assert not a.recovered_since(back, days[-1], days[-1], 3, 90)  # nothing after the flag


def test_file_dates_must_have_a_full_year_and_not_be_in_the_future_or_long_ago():
    text = (
        "UPN,Date,Session,Mark\n"
        "A123456789012,24/11/26,AM,N\n"
        "A123456789012,2027-06-01,AM,N\n"
        "A123456789012,01/12/2026,AM,N\n"
        "A123456789012,1926-11-24,AM,N\n"
        "A123456789012,30/11/2026,AM,N\n"
    )
    parsed = parse(text, TODAY)
    assert parsed.errors == [
        "line 2: date '24/11/26' has a two-digit year; write the year in full, e.g. 24/11/2026",
        "line 3: date '2027-06-01' is in the future (today is 30/11/2026); check the date, or "
        "export the marks again once that day has happened",
        "line 4: date '01/12/2026' is in the future (today is 30/11/2026); check the date, or "
        "export the marks again once that day has happened",
        "line 5: date '1926-11-24' is more than 15 years ago; check the year",
    ]


def test_file_line_numbers_count_quoted_multi_line_fields():
    text = (
        "Name,UPN,Date,Session,Mark\n"
        '"Aisha\nKhan",A123456789012,2026-11-24,AM,N\n'
        "Bo,A123456789012,2026-11-24,PM,ZZ\n"
    )
    assert parse(text, TODAY).errors == [
        "line 4: mark 'ZZ' is not a DfE attendance code hvdesk accepts; see docs/attendance.md"
    ]


def test_file_with_many_bad_rows_lists_twenty_and_says_how_many_more():
    text = "UPN,Date,Session,Mark\n" + "A123456789012,2026-11-24,AM,ZZ\n" * 23
    errors = parse(text, TODAY).errors
    assert len(errors) == 21 and errors[19].startswith("line 21: ")
    assert errors[20] == (
        "…and 3 more lines with errors (fix the ones above, then import again to see them)"
    )
