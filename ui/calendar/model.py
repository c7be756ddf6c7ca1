"""The calendar's view model: visible range, columns, block layout, month cells, staff lanes.

No Qt here: the views only paint what this computes, so the layout (and the benchmark that times
query + layout) runs without a display. Days are London calendar days; positions are London clock
minutes, so a visit at 10:00 sits at 10:00 in summer and in winter.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from hvdesk.clock import london, london_day_bounds
from hvdesk.policy import PolicySettings
from hvdesk.rules.booking import EDITABLE, is_overdue
from hvdesk.services.visits import CalendarItem

OVERDUE = "overdue"  # a display state on top of the visit statuses (the tracker owns the alarm)
DAY_MINUTES = 24 * 60


class Mode(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    LANES = "lanes"


MODE_LABELS = {
    Mode.DAY: "Day",
    Mode.WEEK: "Week",
    Mode.MONTH: "Month",
    Mode.LANES: "Staff lanes",
}


# --- ranges -------------------------------------------------------------------------------------
def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def visible_days(mode: Mode, anchor: date) -> list[date]:
    """Days on screen: one (day, lanes), Mon-Sun (week), six whole weeks around the month."""
    if mode in (Mode.DAY, Mode.LANES):
        return [anchor]
    if mode is Mode.WEEK:
        first = week_start(anchor)
        return [first + timedelta(days=i) for i in range(7)]
    first = week_start(anchor.replace(day=1))
    return [first + timedelta(days=i) for i in range(42)]


def visible_range(mode: Mode, anchor: date) -> tuple[datetime, datetime]:
    """UTC bounds of what is on screen: the only range the calendar loads."""
    days = visible_days(mode, anchor)
    return london_day_bounds(days[0])[0], london_day_bounds(days[-1])[1]


def step(mode: Mode, anchor: date, steps: int) -> date:
    """Previous/next: a day, a week or a month at a time."""
    if mode is Mode.WEEK:
        return anchor + timedelta(weeks=steps)
    if mode is Mode.MONTH:
        return add_months(anchor, steps)
    return anchor + timedelta(days=steps)


def title(mode: Mode, anchor: date) -> str:
    if mode is Mode.MONTH:
        return f"{anchor:%B %Y}"
    if mode is Mode.WEEK:
        first = week_start(anchor)
        last = first + timedelta(days=6)
        if first.month == last.month:
            return f"Week of {first:%a} {first.day}–{last.day} {last:%b %Y}"
        return f"Week of {first:%a} {first.day} {first:%b} – {last.day} {last:%b %Y}"
    prefix = "Staff lanes, " if mode is Mode.LANES else ""
    return f"{prefix}{anchor:%A} {anchor.day} {anchor:%B %Y}"


# --- entries ------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One visit placed on one day: minutes are London clock minutes from that day's midnight."""

    item: CalendarItem
    state: str  # a VisitStatus value, or OVERDUE
    day: date
    top: int  # planned departure
    start: int
    end: int
    bottom: int  # expected return
    col: int = 0
    cols: int = 1

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def movable(self) -> bool:
        return self.item.status in EDITABLE


def _minutes(value: datetime, day: date) -> int:
    local = london(value)
    delta = (local.date() - day).days
    return max(0, min(DAY_MINUTES, delta * DAY_MINUTES + local.hour * 60 + local.minute))


def make_entry(item: CalendarItem, now: datetime, policy: PolicySettings) -> Entry:
    day = london(item.start).date()
    overdue = is_overdue(item.status, item.expected_return, now, policy)
    return Entry(
        item=item,
        state=OVERDUE if overdue else item.status,
        day=day,
        top=min(_minutes(item.planned_departure, day), _minutes(item.start, day)),
        start=_minutes(item.start, day),
        end=_minutes(item.end, day),
        bottom=max(_minutes(item.expected_return, day), _minutes(item.end, day)),
    )


def layout_columns(entries: list[Entry]) -> None:
    """Side by side where visits overlap (departure to return): greedy columns per cluster."""
    ordered = sorted(entries, key=lambda e: (e.top, -e.bottom, e.id))
    cluster: list[Entry] = []
    ends: list[int] = []  # bottom of the last entry in each column of the current cluster
    cluster_end = -1

    def close() -> None:
        for e in cluster:
            e.cols = len(ends)

    for entry in ordered:
        if cluster and entry.top >= cluster_end:
            close()
            cluster, ends = [], []
        for index, bottom in enumerate(ends):
            if bottom <= entry.top:
                entry.col = index
                ends[index] = max(entry.bottom, entry.top + 1)
                break
        else:
            entry.col = len(ends)
            ends.append(max(entry.bottom, entry.top + 1))
        cluster.append(entry)
        cluster_end = max(cluster_end, entry.bottom, entry.top + 1)
    if cluster:
        close()


# --- columns of the time grid -------------------------------------------------------------------
@dataclass
class Column:
    """A day (day and week views) or a person on one day (staff lanes)."""

    key: str
    title: str
    day: date
    staff_id: int | None = None
    weight: float = 1.0
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str
    active: bool = True


@dataclass
class MonthCell:
    day: date
    in_month: bool
    entries: list[Entry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.state] = out.get(e.state, 0) + 1
        return out


@dataclass
class CalendarView:
    """Everything one screen of the calendar shows."""

    mode: Mode
    anchor: date
    title: str
    days: list[date]
    entries: list[Entry]
    columns: list[Column] = field(default_factory=list)
    cells: list[MonthCell] = field(default_factory=list)
    first_hour: int = 8
    last_hour: int = 18
    school_start: int = 8 * 60 + 30  # minutes: shaded outside the school day
    school_end: int = 16 * 60

    def entry(self, visit_id: int) -> Entry | None:
        return next((e for e in self.entries if e.id == visit_id), None)

    def ordered_ids(self) -> list[int]:
        """Visits in time order: the keyboard path through the view."""
        return [e.id for e in sorted(self.entries, key=lambda e: (e.item.start, e.id))]


def hour_span(entries: Iterable[Entry], policy: PolicySettings) -> tuple[int, int]:
    """School day with an hour either side, widened to show every visit on screen."""
    first = min(8, policy.school_day_start.hour)
    last = max(18, policy.school_day_end.hour + 2)
    for e in entries:
        first = min(first, e.top // 60)
        last = max(last, -(-e.bottom // 60))
    return max(0, first), min(24, max(last, first + 1))


def build_view(
    mode: Mode,
    anchor: date,
    items: Sequence[CalendarItem],
    *,
    now: datetime,
    policy: PolicySettings,
    staff: Sequence[StaffRef] = (),
    today: date | None = None,
) -> CalendarView:
    """Turn the visible range's visits into columns (day, week, lanes) or cells (month)."""
    days = visible_days(mode, anchor)
    entries = [make_entry(item, now, policy) for item in items]
    view = CalendarView(mode, anchor, title(mode, anchor), days, entries)
    view.school_start = policy.school_day_start.hour * 60 + policy.school_day_start.minute
    view.school_end = policy.school_day_end.hour * 60 + policy.school_day_end.minute
    if mode is Mode.MONTH:
        by_day: dict[date, list[Entry]] = {}
        for e in entries:
            by_day.setdefault(e.day, []).append(e)
        view.cells = [
            MonthCell(d, d.month == anchor.month, sorted(by_day.get(d, []), key=_start_key))
            for d in days
        ]
        return view
    if mode is Mode.LANES:
        view.columns = _lanes(anchor, entries, staff)
    else:
        for d in days:
            mine = [e for e in entries if e.day == d]
            weekend = d.weekday() >= 5
            view.columns.append(
                Column(
                    key=d.isoformat(),
                    title=("Today " if d == today else "") + f"{d:%a} {d.day} {d:%b}",
                    day=d,
                    weight=0.55 if weekend and not mine and mode is Mode.WEEK else 1.0,
                    entries=mine,
                )
            )
    for column in view.columns:
        layout_columns(column.entries)
        if mode is Mode.WEEK and column.entries:
            # a day with many visits side by side (e.g. several out at once) gets more room
            busiest = max(e.cols for e in column.entries)
            column.weight = min(1.8, 1.0 + 0.2 * (busiest - 1))
    view.first_hour, view.last_hour = hour_span(entries, policy)
    return view


def _start_key(e: Entry) -> tuple[datetime, int]:
    return e.item.start, e.id


def _lanes(day: date, entries: list[Entry], staff: Sequence[StaffRef]) -> list[Column]:
    """One lane per person: everyone active, plus anyone (even deactivated) with a visit today.

    A visit appears in the lead's lane and in the companion's: both are away.
    """
    lanes: dict[int, Column] = {}
    for person in staff:
        if person.active:
            lanes[person.id] = Column(f"staff-{person.id}", person.name, day, person.id)
    names = {p.id: p.name for p in staff}
    for e in entries:
        pairs = [(e.item.lead_staff_id, e.item.lead_name)]
        if e.item.companion_staff_id is not None:
            pairs.append((e.item.companion_staff_id, e.item.companion_name))
        for staff_id, name in pairs:
            lane = lanes.get(staff_id)
            if lane is None:
                lane = Column(f"staff-{staff_id}", names.get(staff_id, name), day, staff_id)
                lanes[staff_id] = lane
            # each lane lays out its own copy: a visit may sit in column 0 here, 1 there
            lane.entries.append(Entry(**{**e.__dict__, "col": 0, "cols": 1}))
    return sorted(lanes.values(), key=lambda c: c.title)
