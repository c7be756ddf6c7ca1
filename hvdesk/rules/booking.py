"""Booking rules: is a proposed visit valid, what should the office be warned about, what clashes.

Pure functions over plain inputs (the service loads the household, staff and other visits), so every
rule is tested without a database or Qt. Times are aware UTC; rules that read a clock face (school
hours, evening, 'same day', drag and drop) read it in Europe/London.

Sources: DESIGN.md sections 2 to 5 and the seed policies (Harborne: approval, DBS before assignment,
out-of-hours needs a responsible contact; Hampton: always in pairs, named office contact, travel on
foot; St Hugh's: no evening visits, pupil named on the appointment; Harrogate: business insurance;
Thomas More: social worker told, majority of visits announced).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta

from hvdesk.clock import fmt_datetime, fmt_time, from_london, london
from hvdesk.errors import FieldError
from hvdesk.models import (
    ACTIVE_STATUSES,
    PURPOSE_LABELS,
    EscalationContact,
    Household,
    Purpose,
    Staff,
    VisitStatus,
)
from hvdesk.policy import PolicySettings
from hvdesk.rules.hours import is_evening, is_out_of_hours
from hvdesk.rules.staffing import current_lone_working, dbs_problem
from hvdesk.rules.validation import uk_phone

# Field names as the booking form labels them: errors name the field so the form can mark it.
F_HOUSEHOLD = "Household"
F_PUPIL = "Pupil"
F_PURPOSE = "Purpose"
F_PURPOSE_OTHER = "Other purpose"
F_DEPARTURE = "Planned departure"
F_START = "Start"
F_END = "End"
F_RETURN = "Expected return"
F_LEAD = "Lead staff"
F_COMPANION = "Companion"
F_VEHICLE = "Vehicle"
F_OFFICE = "Office contact"
F_OOH_REASON = "Out-of-hours reason"
F_RESPONSIBLE = "Responsible contact"
F_LONE_REASON = "Lone visit reason"
F_NOTES = "Notes before the visit"
F_AGENCY = "Outside-agency companion"
F_TRANSPORT = "Pupil transported"

MAX_VISIT = timedelta(hours=8)
MAX_TRAVEL = timedelta(hours=3)
SNAP_MIN = 15
# A visit holds its staff from departure to return; these statuses no longer hold anyone.
NOT_HOLDING = {VisitStatus.CANCELLED.value, VisitStatus.REJECTED.value}
# Visits the office may still edit or move: before anyone has left school.
EDITABLE = {
    VisitStatus.DRAFT.value,
    VisitStatus.AWAITING_APPROVAL.value,
    VisitStatus.APPROVED.value,
}
# Purposes for which an unannounced visit is expected (Harrogate 4.4, Thomas More).
UNANNOUNCED_OK = {
    Purpose.ATTENDANCE.value,
    Purpose.SAFE_AND_WELL.value,
    Purpose.SUSPECTED_HOLIDAY.value,
}
# What makes a change to an approved visit go back for approval, by the words we tell people.
MATERIAL_FIELDS: dict[str, str] = {
    "planned_departure": "time",
    "start": "time",
    "end": "time",
    "expected_return": "time",
    "lead_staff_id": "staff",
    "companion_staff_id": "staff",
    "companion_agency_name": "staff",
    "household_id": "household",
}


@dataclass
class BookingInput:
    """A visit as the booking form holds it. Times are aware UTC (the form converts from London)."""

    household_id: int | None = None
    pupil_id: int | None = None
    purpose: str = ""
    purpose_other: str = ""
    announced: bool = True
    planned_departure: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    expected_return: datetime | None = None
    lead_staff_id: int | None = None
    companion_staff_id: int | None = None
    vehicle_staff_id: int | None = None
    office_contact: str = ""
    out_of_hours_reason: str = ""
    responsible_contact: str = ""
    responsible_contact_id: int | None = None  # a person with a mobile (Settings > contacts)
    lone_visit_reason: str = ""
    on_way_to_from_work: bool = False
    pre_visit_notes: str = ""
    pupil_transported: bool = False
    companion_agency_name: str = ""
    companion_agency_org: str = ""
    companion_agency_phone: str = ""

    @classmethod
    def from_visit(cls, visit: object) -> BookingInput:
        """The editable fields of a Visit (or anything with the same attributes)."""
        return cls(**{f.name: getattr(visit, f.name) for f in fields(cls)})

    def values(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def times(self) -> BookingTimes | None:
        parts = (self.planned_departure, self.start, self.end, self.expected_return)
        if any(p is None for p in parts):
            return None
        return BookingTimes(*parts)  # type: ignore[arg-type]

    def with_times(self, times: BookingTimes) -> BookingInput:
        return replace(
            self,
            planned_departure=times.planned_departure,
            start=times.start,
            end=times.end,
            expected_return=times.expected_return,
        )


@dataclass(frozen=True)
class BookingTimes:
    """The four times of a visit: staff are away from school from departure to return."""

    planned_departure: datetime
    start: datetime
    end: datetime
    expected_return: datetime

    def shifted(self, delta: timedelta) -> BookingTimes:
        return BookingTimes(
            self.planned_departure + delta,
            self.start + delta,
            self.end + delta,
            self.expected_return + delta,
        )

    def moved_to(self, new_start: datetime) -> BookingTimes:
        """Same durations and travel, new start (absolute time, so correct across clock changes)."""
        return self.shifted(new_start - self.start)


@dataclass(frozen=True)
class Notice:
    """Something the office should know before saving; does not block. level: warning | note."""

    field: str
    message: str
    level: str = "warning"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class VisitSlot:
    """Another visit, as much as clash detection and its message need."""

    id: int
    household_name: str
    purpose: str
    purpose_other: str
    planned_departure: datetime
    start: datetime
    end: datetime
    expected_return: datetime
    lead_staff_id: int
    companion_staff_id: int | None
    status: str

    @property
    def staff_ids(self) -> set[int]:
        return {i for i in (self.lead_staff_id, self.companion_staff_id) if i is not None}

    @property
    def purpose_label(self) -> str:
        return purpose_label(self.purpose, self.purpose_other)


@dataclass(frozen=True)
class Clash:
    staff_id: int
    other: VisitSlot


@dataclass
class BookingCheck:
    """The outcome of checking a proposal: errors block saving, notices are shown first."""

    errors: list[FieldError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    out_of_hours: bool = False
    evening: bool = False
    lone: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> list[Notice]:
        return [n for n in self.notices if n.level == "warning"]

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    def warn(self, field_name: str, message: str, level: str = "warning") -> None:
        self.notices.append(Notice(field_name, message, level))


# --- small helpers ------------------------------------------------------------------------------
def purpose_label(purpose: str, other: str = "") -> str:
    if purpose == Purpose.OTHER.value and other.strip():
        return other.strip()
    try:
        return PURPOSE_LABELS[Purpose(purpose)]
    except ValueError:
        return purpose


def short_name(name: str) -> str:
    """'Jasmin Patel' -> 'J. Patel' (the UI.md sketch style); one word stays as it is."""
    parts = name.split()
    if len(parts) < 2:
        return name
    return f"{parts[0][0]}. {parts[-1]}"


def initials(name: str) -> str:
    """'Jasmin Patel' -> 'JP'; hyphenated surnames count once ('Zoë Brontë-Núñez' -> 'ZB')."""
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    first, last = parts[0], name.split()[-1]
    return (first[0] + last[0]).upper()


def _span(a: datetime, b: datetime) -> str:
    la, lb = london(a), london(b)
    day = la.strftime("%a %d %b")
    return f"{day} {la:%H:%M}–{lb:%H:%M}"


def _mins(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


# --- times --------------------------------------------------------------------------------------
def default_times(policy: PolicySettings, start: datetime) -> BookingTimes:
    """Policy defaults: the visit lasts default_duration_min; travel default_travel_min each way."""
    travel = timedelta(minutes=policy.default_travel_min)
    end = start + timedelta(minutes=policy.default_duration_min)
    return BookingTimes(start - travel, start, end, end + travel)


def snap_minutes(minutes: float, step: int = SNAP_MIN) -> int:
    """Round a minute-of-day to the nearest step (a dragged block lands on the quarter hour)."""
    return int(round(minutes / step) * step)


def wall_time(day: date, minutes: int) -> datetime:
    """London wall-clock `minutes` after midnight on `day`, as aware UTC (23/25-hour days safe)."""
    minutes = max(0, min(minutes, 24 * 60 - 1))
    return from_london(datetime.combine(day, time(minutes // 60, minutes % 60)))


def drop_start(
    times: BookingTimes, day: date, top_minutes: float, step: int = SNAP_MIN
) -> datetime:
    """Where a dragged visit starts when its block (drawn from departure) is dropped.

    `top_minutes` is the London minute-of-day under the top of the block; the visit keeps its travel
    time before the start, and the start snaps to `step` minutes.
    """
    travel_before = (times.start - times.planned_departure).total_seconds() / 60
    return wall_time(day, snap_minutes(top_minutes + travel_before, step))


def move_to_day(times: BookingTimes, day: date) -> datetime:
    """The start on another day at the same London clock time (dragging in the month view)."""
    local = london(times.start)
    return wall_time(day, local.hour * 60 + local.minute)


def reassign(
    lead_id: int, companion_id: int | None, from_id: int, to_id: int
) -> tuple[int, int | None]:
    """Dragging a visit from one person's lane to another's swaps that person for the other."""
    if to_id in (lead_id, companion_id) or from_id not in (lead_id, companion_id):
        return lead_id, companion_id
    if from_id == lead_id:
        return to_id, companion_id
    return lead_id, to_id


def material_changes(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """What changed that an approver must see again: 'time', 'staff', 'household' (in that order)."""
    found = {word for key, word in MATERIAL_FIELDS.items() if before.get(key) != after.get(key)}
    return [w for w in ("time", "staff", "household") if w in found]


def changed_fields(
    before: Mapping[str, object], after: Mapping[str, object]
) -> dict[str, list[str]]:
    """For the audit trail: field -> [old, new] as text."""
    out: dict[str, list[str]] = {}
    for key, new in after.items():
        old = before.get(key)
        if old != new:
            out[key] = [_as_text(old), _as_text(new)]
    return out


def _as_text(value: object) -> str:
    if isinstance(value, datetime):
        return fmt_datetime(value)
    return "" if value is None else str(value)


def describe_changes(words: Sequence[str]) -> str:
    """['time', 'staff'] -> 'the time and staff'."""
    if not words:
        return ""
    if len(words) == 1:
        return f"the {words[0]}"
    return "the " + ", ".join(words[:-1]) + f" and {words[-1]}"


def is_overdue(
    status: str, expected_return: datetime, now: datetime, policy: PolicySettings
) -> bool:
    """Out (or on site, or on the way back) and past the expected return plus the policy's grace.

    The live tracker owns alarms; the calendar uses this only to badge a block as overdue.
    """
    if status not in {s.value for s in ACTIVE_STATUSES}:
        return False
    return now > expected_return + timedelta(minutes=policy.return_grace_min)


# --- clashes ------------------------------------------------------------------------------------
def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def find_clashes(
    staff_ids: Iterable[int | None],
    times: BookingTimes,
    others: Iterable[VisitSlot],
    *,
    exclude_visit_id: int | None = None,
) -> list[Clash]:
    """Other visits holding any of these staff while this visit has them away from school."""
    wanted = {i for i in staff_ids if i is not None}
    clashes: list[Clash] = []
    for other in sorted(others, key=lambda o: (o.planned_departure, o.id)):
        if other.id == exclude_visit_id or other.status in NOT_HOLDING:
            continue
        if not overlaps(
            times.planned_departure,
            times.expected_return,
            other.planned_departure,
            other.expected_return,
        ):
            continue
        for staff_id in sorted(wanted & other.staff_ids):
            clashes.append(Clash(staff_id, other))
    return clashes


def clash_message(name: str, other: VisitSlot) -> str:
    """Names the other visit, so the office can decide which one to change."""
    return (
        f"{name} is already booked on visit {other.id}, {other.household_name} "
        f"({other.purpose_label}), {_span(other.start, other.end)} (away from school "
        f"{fmt_time(other.planned_departure)}–{fmt_time(other.expected_return)}); "
        "choose another time or another member of staff"
    )


# --- the whole check ----------------------------------------------------------------------------
def check_booking(
    data: BookingInput,
    *,
    policy: PolicySettings,
    now: datetime,
    household: Household | None,
    staff: Mapping[int, Staff],
    others: Sequence[VisitSlot] = (),
    visit_id: int | None = None,
    times_changed: bool = True,
    responsible: EscalationContact | None = None,
) -> BookingCheck:
    """Every booking rule at once, so the form shows every problem together.

    `household` and `staff` are what the ids refer to (None / missing when not found); `others` are
    visits that may clash. For an edit, `visit_id` is the visit itself and `times_changed` says
    whether the past-time rule applies (a note can be fixed after the start has passed).
    """
    check = BookingCheck()
    _check_household(check, data, household)
    _check_purpose(check, data)
    times = _check_times(check, data, now, times_changed)
    day = london(data.start).date() if data.start else london(now).date()
    _check_staff(check, data, policy, staff, day)
    if times is not None:
        _check_hours(check, data, policy, times)
        if data.lead_staff_id is not None:
            _check_clashes(check, data, staff, times, others, visit_id)
    _check_responsible(check, data, responsible)
    _check_text(check, data)
    if data.on_way_to_from_work and policy.commute_visits_need_approval:
        check.warn(
            "On the way to or from work",
            f"visits on the way to or from work need the {policy.approver_title}'s prior approval",
        )
    if not data.announced and data.purpose and data.purpose not in UNANNOUNCED_OK:
        check.warn(
            "Announced",
            "unannounced visits are for attendance or safeguarding concerns; otherwise tell the "
            "family in writing in advance",
        )
    if (
        policy.parent_present_unless_attendance
        and data.purpose
        and data.purpose != Purpose.ATTENDANCE.value
    ):
        check.warn(
            F_PURPOSE,
            "the visit goes ahead only if a parent or carer is present (not needed for attendance)",
            "note",
        )
    if household is not None:
        if household.social_worker_name:
            check.warn(
                F_HOUSEHOLD,
                f"the family has a social worker ({household.social_worker_name}); tell them "
                "before the visit or immediately after",
                "note",
            )
        if household.assessment_needs_review:
            check.warn(
                F_HOUSEHOLD,
                "new risks have been recorded since the last risk assessment; it must be "
                "reviewed before the visit is approved",
                "note",
            )
    return check


def _check_household(check: BookingCheck, data: BookingInput, household: Household | None) -> None:
    if data.household_id is None:
        check.error(F_HOUSEHOLD, "is required; search for the family by name, address or pupil")
        return
    if household is None:
        check.error(F_HOUSEHOLD, f"no household with id {data.household_id}; search again")
        return
    if not household.active:
        check.error(
            F_HOUSEHOLD,
            f"the {household.name} household is deactivated; reactivate it on the Households "
            "screen first",
        )
    pupils = [p for p in household.pupils if p.active]
    if data.pupil_id is None:
        if pupils:
            check.error(
                F_PUPIL, "choose which pupil the visit is about (the appointment names them)"
            )
        return
    match = next((p for p in household.pupils if p.id == data.pupil_id), None)
    if match is None:
        check.error(
            F_PUPIL, f"is not a pupil of the {household.name} household; choose one of theirs"
        )
    elif not match.active:
        check.error(F_PUPIL, f"{match.name} has left; choose a current pupil")


def _check_purpose(check: BookingCheck, data: BookingInput) -> None:
    if not data.purpose:
        check.error(
            F_PURPOSE, "is required; choose why the visit is needed (e.g. Attendance concern)"
        )
        return
    try:
        purpose = Purpose(data.purpose)
    except ValueError:
        check.error(F_PURPOSE, f"'{data.purpose}' is not a purpose; choose one from the list")
        return
    if purpose is Purpose.OTHER and not data.purpose_other.strip():
        check.error(F_PURPOSE_OTHER, "describe the purpose when 'Other' is chosen")


def _check_times(
    check: BookingCheck, data: BookingInput, now: datetime, times_changed: bool
) -> BookingTimes | None:
    missing = False
    for name, value in (
        (F_DEPARTURE, data.planned_departure),
        (F_START, data.start),
        (F_END, data.end),
        (F_RETURN, data.expected_return),
    ):
        if value is None:
            check.error(name, "is required; enter a time")
            missing = True
    if missing:
        return None
    times = data.times
    assert times is not None
    good = True
    if times.end <= times.start:
        check.error(
            F_END,
            f"{fmt_time(times.end)} is not after the start ({fmt_time(times.start)}); "
            "the visit must end after it starts",
        )
        good = False
    elif (
        times.end - times.start > MAX_VISIT
        or london(times.end).date() != london(times.start).date()
    ):
        check.error(
            F_END,
            f"the visit would last {_mins(times.end - times.start) // 60} h "
            f"{_mins(times.end - times.start) % 60} min; a home visit ends the same day, within "
            f"{int(MAX_VISIT.total_seconds() // 3600)} hours: check the end time",
        )
        good = False
    if times.planned_departure > times.start:
        check.error(
            F_DEPARTURE,
            f"{fmt_time(times.planned_departure)} is after the start ({fmt_time(times.start)}); "
            "staff leave school before the visit starts",
        )
        good = False
    elif times.start - times.planned_departure > MAX_TRAVEL:
        check.error(
            F_DEPARTURE,
            f"leaves {_mins(times.start - times.planned_departure)} min before the start; "
            "check the departure time (travel is at most 3 hours)",
        )
        good = False
    if times.expected_return < times.end:
        check.error(
            F_RETURN,
            f"{fmt_time(times.expected_return)} is before the end of the visit "
            f"({fmt_time(times.end)}); allow time to travel back",
        )
        good = False
    elif times.expected_return - times.end > MAX_TRAVEL:
        check.error(
            F_RETURN,
            f"is {_mins(times.expected_return - times.end)} min after the visit ends; "
            "check the return time (travel is at most 3 hours)",
        )
        good = False
    if times_changed:
        if times.start < now:
            check.error(
                F_START,
                f"{fmt_datetime(times.start)} is in the past; choose a time from now on",
            )
            good = False
        elif times.planned_departure < now:
            check.warn(
                F_DEPARTURE,
                f"{fmt_time(times.planned_departure)} has already passed; staff would need to "
                "leave straight away",
            )
    return times if good else None


def _check_staff(
    check: BookingCheck,
    data: BookingInput,
    policy: PolicySettings,
    staff: Mapping[int, Staff],
    day: date,
) -> None:
    lead = staff.get(data.lead_staff_id) if data.lead_staff_id is not None else None
    comp = staff.get(data.companion_staff_id) if data.companion_staff_id is not None else None
    if data.lead_staff_id is None:
        check.error(F_LEAD, "is required; choose who leads the visit")
    elif lead is None:
        check.error(F_LEAD, f"no staff member with id {data.lead_staff_id}; choose from the list")
    if data.companion_staff_id is not None:
        if data.companion_staff_id == data.lead_staff_id:
            check.error(F_COMPANION, "is the same person as the lead; choose someone else or none")
            comp = None
        elif comp is None:
            check.error(
                F_COMPANION,
                f"no staff member with id {data.companion_staff_id}; choose from the list",
            )
    for name, person in ((F_LEAD, lead), (F_COMPANION, comp)):
        if person is None:
            continue
        if not person.active:
            check.error(
                name, f"{person.name} is deactivated and cannot be assigned; choose someone else"
            )
            continue
        problem = dbs_problem(person, policy, day)
        if problem:
            check.error(name, problem)
    people = 1 + (
        data.companion_staff_id is not None and data.companion_staff_id != data.lead_staff_id
    )
    people += _check_agency_companion(check, data, policy)
    if people == 1 and people >= policy.min_staff:
        _warn_lone_working(check, lead, policy, day)
    if people < policy.min_staff:
        check.lone = True
        if not policy.lone_visits_allowed:
            check.error(
                F_COMPANION,
                f"staff are not permitted to undertake home visits on their own (policy: at least "
                f"{policy.min_staff}); choose a companion",
            )
        else:
            if not data.lone_visit_reason.strip():
                check.error(
                    F_LONE_REASON,
                    f"fewer than {policy.min_staff} staff: say why, for the "
                    f"{policy.approver_title}'s decision",
                )
            check.warn(
                F_COMPANION,
                f"a lone visit needs the {policy.approver_title}'s decision and a current lone "
                "working assessment",
            )
            if lead is not None and current_lone_working(lead.lone_working, policy, day) is None:
                check.warn(
                    F_LEAD,
                    f"{lead.name} has no current Lone Working Risk Assessment; one must be signed "
                    "before a lone visit is approved",
                )
    _check_vehicle(check, data, staff, policy)


def _warn_lone_working(
    check: BookingCheck, lead: Staff | None, policy: PolicySettings, day: date
) -> None:
    """St Hugh's: a lone worker risk assessment before any lone working, even where one member of
    staff is the norm; approval is refused without it, so the form says so at once."""
    if not policy.lone_working_assessment_for_any_lone_visit or lead is None:
        return
    if current_lone_working(lead.lone_working, policy, day) is None:
        check.warn(
            F_LEAD,
            f"{lead.name} would work alone and has no current Lone Working Risk Assessment; one "
            "must be signed before the visit can be approved",
        )


def _check_agency_companion(check: BookingCheck, data: BookingInput, policy: PolicySettings) -> int:
    """Thomas More: the second person may be from an outside agency (name, organisation, phone).
    Returns 1 when such a companion makes up the pair."""
    name = data.companion_agency_name.strip()
    org, phone = data.companion_agency_org.strip(), data.companion_agency_phone.strip()
    if not (name or org or phone):
        return 0
    if not policy.outside_agency_companion:
        check.error(
            F_AGENCY,
            "the school's policy does not accept a companion from an outside agency; choose a "
            "member of staff as companion",
        )
        return 0
    if data.companion_staff_id is not None:
        check.error(F_AGENCY, "choose either a staff companion or an outside-agency one, not both")
        return 0
    missing = [w for w, v in (("name", name), ("organisation", org), ("phone", phone)) if not v]
    if missing:
        check.error(F_AGENCY, f"give the companion's {' and '.join(missing)}")
        return 0
    try:
        uk_phone(phone, F_AGENCY)
    except FieldError as err:
        check.error(F_AGENCY, err.message)
        return 0
    return 1


def _check_vehicle(
    check: BookingCheck, data: BookingInput, staff: Mapping[int, Staff], policy: PolicySettings
) -> None:
    if data.vehicle_staff_id is None:
        return
    if data.vehicle_staff_id not in (data.lead_staff_id, data.companion_staff_id):
        check.error(F_VEHICLE, "choose the car of someone on this visit, or none if walking")
        return
    owner = staff.get(data.vehicle_staff_id)
    if owner is None:
        return
    if not owner.vehicle_registration:
        check.error(
            F_VEHICLE,
            f"{owner.name} has no vehicle recorded; add it on the Staff screen or choose none",
        )
    elif (
        data.pupil_transported
        and policy.business_insurance_if_pupil_transported
        and not owner.business_insurance
    ):
        check.warn(
            F_TRANSPORT,
            f"{owner.name}'s car has no business-use insurance recorded; it must cover business "
            "use to transport a pupil",
        )


def _check_hours(
    check: BookingCheck, data: BookingInput, policy: PolicySettings, times: BookingTimes
) -> None:
    hours = f"{policy.school_day_start:%H:%M}–{policy.school_day_end:%H:%M} on weekdays"
    check.out_of_hours = is_out_of_hours(times.start, times.end, policy)
    check.evening = is_evening(times.start, times.end, policy)
    if check.out_of_hours:
        if policy.out_of_hours_needs_reason:
            if not data.out_of_hours_reason.strip():
                check.error(
                    F_OOH_REASON,
                    f"the visit is outside school hours ({hours}); say why it cannot happen "
                    "in school hours",
                )
            if data.responsible_contact_id is None:
                # A typed name (older visits have them; they still read) cannot be texted when
                # staff leave or are overdue, so it no longer satisfies the out-of-hours rule.
                typed = data.responsible_contact.strip()
                check.error(
                    F_RESPONSIBLE,
                    "choose who will check on staff welfare during this out-of-hours visit from "
                    "the escalation contacts (a person with a mobile, so hvdesk can text them when "
                    "staff leave and if they are overdue)"
                    + (f"; the typed '{typed}' cannot be texted" if typed else "")
                    + "; add them in Settings > Escalation contacts if they are not listed",
                )
        check.warn(F_START, f"outside school hours ({hours}); only when absolutely necessary")
    if check.evening:
        check.warn(
            F_START,
            f"evening visit (from {policy.evening_from:%H:%M}): evening home visits are strongly "
            "discouraged",
        )


def _check_responsible(
    check: BookingCheck, data: BookingInput, responsible: EscalationContact | None
) -> None:
    """A chosen responsible contact must be someone hvdesk can text: active, with a mobile."""
    if data.responsible_contact_id is None:
        return
    if responsible is None or not responsible.active:
        check.error(
            F_RESPONSIBLE,
            "that contact is no longer active; choose another, or add them again in Settings > "
            "Escalation contacts",
        )
    elif not responsible.mobile:
        check.error(
            F_RESPONSIBLE,
            f"{responsible.name} has no mobile on file, so hvdesk cannot text them; add one in "
            "Settings > Escalation contacts or choose someone else",
        )


def _check_clashes(
    check: BookingCheck,
    data: BookingInput,
    staff: Mapping[int, Staff],
    times: BookingTimes,
    others: Sequence[VisitSlot],
    visit_id: int | None,
) -> None:
    clashes = find_clashes(
        (data.lead_staff_id, data.companion_staff_id), times, others, exclude_visit_id=visit_id
    )
    check.clashes = clashes
    for clash in clashes:
        person = staff.get(clash.staff_id)
        name = person.name if person else f"Staff {clash.staff_id}"
        field_name = F_LEAD if clash.staff_id == data.lead_staff_id else F_COMPANION
        check.error(field_name, clash_message(name, clash.other))


def _check_text(check: BookingCheck, data: BookingInput) -> None:
    if not data.office_contact.strip():
        check.error(F_OFFICE, "name the office contact who tracks this visit (e.g. the office)")
    for name, value, limit in (
        (F_OFFICE, data.office_contact, 120),
        (F_PURPOSE_OTHER, data.purpose_other, 500),
        (F_OOH_REASON, data.out_of_hours_reason, 2000),
        (F_RESPONSIBLE, data.responsible_contact, 200),
        (F_LONE_REASON, data.lone_visit_reason, 2000),
        (F_NOTES, data.pre_visit_notes, 4000),
    ):
        if len(value.strip()) > limit:
            check.error(
                name, f"is too long ({len(value.strip())} characters); keep it under {limit}"
            )
