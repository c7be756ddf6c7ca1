"""The plain data a form is drawn from, loaded beforehand so forms never touch the database.

Forms are pure functions of these objects (detached, fully loaded ORM rows), which is what lets a
form be made off the GUI thread and tested without a session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from hvdesk.clock import fmt_time
from hvdesk.models import Alarm, Event, Household, LoneWorkingAssessment, Staff, Visit
from hvdesk.policy import PolicySettings
from hvdesk.printing.base import Letterhead
from hvdesk.rules.deadlines import is_contact
from hvdesk.rules.validation import display_phone


@dataclass
class PrintContext:
    letterhead: Letterhead
    policy: PolicySettings
    print_safe_word: bool = False

    @property
    def school_phone(self) -> str:
        """As people dial it (the service stores the letterhead's phone in display form)."""
        return self.letterhead.phone


@dataclass
class StaffData:
    staff: Staff
    assessment: LoneWorkingAssessment | None = None


@dataclass
class VisitData:
    visit: Visit
    events: list[Event] = field(default_factory=list)  # oldest first

    def latest(self, *kinds: str) -> Event | None:
        found = [e for e in self.events if e.kind in kinds]
        return found[-1] if found else None

    @property
    def last_contact(self) -> Event | None:
        """The latest sign of life, as the alarm window counts one (rules.deadlines.is_contact):
        a check-in, arrival, leaving the property, an answered call..."""
        found = [e for e in self.events if is_contact(e)]
        return found[-1] if found else None


@dataclass
class DayData:
    day: date
    visits: list[Visit] = field(default_factory=list)


@dataclass
class PersonData:
    """An alarm about a person with no one visit, and where hvdesk knew them to be when printed."""

    alarm: Alarm
    staff: Staff
    where: str  # one line: the visits out, or the last known place today (services.whereabouts)
    visits: list[VisitData] = field(default_factory=list)  # out now with their events, oldest first
    events: list[Event] = field(default_factory=list)  # the alarm's own, oldest first
    texted_from: str = ""  # E.164: the number the text that raised it came from ("" if none)


FormData = StaffData | VisitData | DayData | PersonData


# Small wording helpers several forms share.


def staff_line(staff: Staff) -> str:
    """'Jasmin Patel (Attendance Officer) 07700 900123'."""
    title = f" ({staff.job_title})" if staff.job_title else ""
    phone = f" {display_phone(staff.mobile)}" if staff.mobile else ""
    return f"{staff.name}{title}{phone}"


def staff_lines(staff: Iterable[Staff]) -> str:
    return "\n".join(staff_line(s) for s in staff)


def names_and(staff: Iterable[Staff]) -> str:
    """'Jasmin Patel and Zoë Brontë-Núñez', as a family would read it."""
    names = [s.name for s in staff]
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def address_block(household: Household) -> str:
    lines = [ln.strip() for ln in household.address.replace(",", "\n").split("\n") if ln.strip()]
    return "\n".join([*lines, household.postcode])


def pupil_text(visit: Visit) -> str:
    if visit.pupil is None:
        return ""
    year = f" ({visit.pupil.year_group})" if visit.pupil.year_group else ""
    return f"{visit.pupil.name}{year}"


def vehicle_text(visit: Visit) -> str:
    owner = visit.vehicle_staff
    if owner is None or not owner.vehicle_text:
        return "No vehicle (on foot or public transport)"
    return f"{owner.vehicle_text} ({owner.name}'s)"


def time_span(start: datetime, end: datetime) -> str:
    return f"{fmt_time(start)}–{fmt_time(end)}"
