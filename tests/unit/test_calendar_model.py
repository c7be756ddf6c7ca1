"""The calendar's view model without a display: ranges, stepping, layout, month cells, lanes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hvdesk.clock import from_london
from hvdesk.policy import PolicySettings
from hvdesk.services.visits import CalendarItem
from ui.calendar.model import (
    OVERDUE,
    Mode,
    StaffRef,
    add_months,
    build_view,
    layout_columns,
    make_entry,
    step,
    title,
    visible_days,
    visible_range,
)

POLICY = PolicySettings()
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def item(vid: int, start: datetime, *, minutes: int = 45, lead=1, companion=2, status="approved"):
    return CalendarItem(
        id=vid,
        status=status,
        purpose="attendance",
        purpose_other="",
        announced=True,
        planned_departure=start - timedelta(minutes=15),
        start=start,
        end=start + timedelta(minutes=minutes),
        expected_return=start + timedelta(minutes=minutes + 15),
        household_id=1,
        household_name="Begum family",
        postcode="B17 0AB",
        lead_staff_id=lead,
        lead_name={1: "Jasmin Patel", 3: "Sarah Mills"}.get(lead, "Lead"),
        companion_staff_id=companion,
        companion_name="Kamran Ahmed" if companion else "",
        row_version=1,
    )


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return from_london(datetime(day.year, day.month, day.day, hh, mm))


TUE = date(2026, 11, 24)


def test_visible_days_per_mode():
    assert visible_days(Mode.DAY, TUE) == [TUE]
    week = visible_days(Mode.WEEK, TUE)
    assert week[0] == date(2026, 11, 23) and week[-1] == date(2026, 11, 29)
    month = visible_days(Mode.MONTH, TUE)
    assert len(month) == 42 and month[0] == date(2026, 10, 26) and month[0].weekday() == 0


def test_visible_range_is_london_days_in_utc():
    start, end = visible_range(Mode.WEEK, date(2026, 10, 21))  # the week the clocks go back
    assert start == datetime(2026, 10, 18, 23, 0, tzinfo=UTC)  # Mon 19 Oct 00:00 BST
    assert end == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)  # Mon 26 Oct 00:00 GMT


def test_stepping_and_titles():
    assert step(Mode.DAY, TUE, 1) == date(2026, 11, 25)
    assert step(Mode.WEEK, TUE, -1) == date(2026, 11, 17)
    assert step(Mode.MONTH, date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert title(Mode.WEEK, TUE) == "Week of Mon 23–29 Nov 2026"
    assert title(Mode.WEEK, date(2026, 12, 1)) == "Week of Mon 30 Nov – 6 Dec 2026"
    assert title(Mode.MONTH, TUE) == "November 2026"
    assert title(Mode.DAY, TUE) == "Tuesday 24 November 2026"
    assert title(Mode.LANES, TUE) == "Staff lanes, Tuesday 24 November 2026"


def test_entry_minutes_are_london_clock_minutes():
    summer = make_entry(item(1, at(date(2026, 10, 23), 10)), NOW, POLICY)
    winter = make_entry(item(2, at(date(2026, 10, 26), 10)), NOW, POLICY)
    assert (summer.top, summer.start, summer.end, summer.bottom) == (585, 600, 645, 660)
    assert (winter.start, winter.end) == (600, 645)


def test_overdue_is_a_display_state():
    late = item(1, at(TUE, 7), status="left_property")
    assert make_entry(late, NOW, POLICY).state == OVERDUE
    on_time = item(2, at(TUE, 8, 45), status="on_site")
    assert make_entry(on_time, NOW, POLICY).state == "on_site"


def test_overlapping_visits_sit_side_by_side():
    entries = [
        make_entry(item(1, at(TUE, 10)), NOW, POLICY),
        make_entry(item(2, at(TUE, 10, 30)), NOW, POLICY),
        make_entry(item(3, at(TUE, 11, 30)), NOW, POLICY),  # leaves 11:15, after 1 is back
        make_entry(item(4, at(TUE, 14)), NOW, POLICY),
    ]
    layout_columns(entries)
    by_id = {e.id: (e.col, e.cols) for e in entries}
    assert by_id[1] == (0, 2) and by_id[2] == (1, 2)
    assert by_id[3][0] == 0 and by_id[3][1] == 2  # reuses the free column in the same cluster
    assert by_id[4] == (0, 1)


def test_week_view_columns_and_busy_days_wider():
    items = [item(i, at(TUE, 10), lead=i, companion=None) for i in range(1, 5)]
    view = build_view(Mode.WEEK, TUE, items, now=NOW, policy=POLICY, today=TUE)
    assert [c.day for c in view.columns] == visible_days(Mode.WEEK, TUE)
    tuesday = view.columns[1]
    assert tuesday.title == "Today Tue 24 Nov" and len(tuesday.entries) == 4
    assert tuesday.weight > view.columns[2].weight  # four side by side get more room
    assert view.columns[5].weight < 1  # an empty Saturday is narrow
    assert view.ordered_ids() == [1, 2, 3, 4]


def test_hours_widen_to_show_every_visit():
    view = build_view(Mode.DAY, TUE, [item(1, at(TUE, 18, 30))], now=NOW, policy=POLICY, today=TUE)
    assert view.first_hour == 8 and view.last_hour >= 20
    assert (view.school_start, view.school_end) == (8 * 60 + 30, 16 * 60)


def test_month_cells_hold_their_days_visits():
    items = [item(1, at(TUE, 10)), item(2, at(TUE, 9)), item(3, at(date(2026, 12, 2), 9))]
    view = build_view(Mode.MONTH, TUE, items, now=NOW, policy=POLICY)
    cells = {c.day: c for c in view.cells}
    assert [e.id for e in cells[TUE].entries] == [2, 1]  # in time order
    assert cells[TUE].counts() == {"approved": 2}
    assert cells[date(2026, 12, 2)].in_month is False and len(cells[date(2026, 12, 2)].entries) == 1


def test_lanes_show_each_person_once_per_visit():
    staff = [
        StaffRef(1, "Jasmin Patel"),
        StaffRef(2, "Kamran Ahmed"),
        StaffRef(3, "Sarah Mills"),
        StaffRef(9, "Gareth Price", active=False),
    ]
    items = [item(1, at(TUE, 10)), item(2, at(TUE, 13), lead=3, companion=None)]
    view = build_view(Mode.LANES, TUE, items, now=NOW, policy=POLICY, staff=staff)
    lanes = {c.title: [e.id for e in c.entries] for c in view.columns}
    assert lanes == {"Jasmin Patel": [1], "Kamran Ahmed": [1], "Sarah Mills": [2]}
    assert [c.title for c in view.columns] == sorted(lanes)  # stable order, by name


def test_a_deactivated_person_with_a_visit_still_gets_a_lane():
    staff = [StaffRef(1, "Jasmin Patel"), StaffRef(2, "Kamran Ahmed", active=False)]
    view = build_view(Mode.LANES, TUE, [item(1, at(TUE, 10))], now=NOW, policy=POLICY, staff=staff)
    assert {c.staff_id for c in view.columns} == {1, 2}
