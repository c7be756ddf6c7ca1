"""Police information sheet (escalation step 4, DESIGN 5): everything a call handler will ask for.

Read out on a 999 call or handed to officers, so the facts come first, in the order they are asked:
who, what they look like, how to reach them, what they drive, where they went, when, and what risks
are known at the address.
"""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date, fmt_datetime, fmt_time
from hvdesk.events import EventKind, label
from hvdesk.form_list import FORM_LIST, POLICE_SHEET
from hvdesk.models import Event, Household, Staff, Visit
from hvdesk.printing.context import PrintContext, VisitData, address_block, pupil_text
from hvdesk.printing.styles import (
    NOTICE,
    content_width,
    fields_table,
    grid_table,
    heading,
    keep,
    pairs_table,
    para,
    title_block,
    write_in,
)
from hvdesk.rules.known_risks import RISK_LABELS, current_risks
from hvdesk.rules.validation import display_phone

TITLE = FORM_LIST[POLICE_SHEET].title


def risk_label(kind: str) -> str:
    for risk_kind, text in RISK_LABELS.items():
        if risk_kind.value == kind:
            return text
    return kind.replace("_", " ").capitalize()


def taken_by_office(event: Event) -> bool:
    """A call someone at the office took and recorded, not a text the staff member sent (a text
    is recorded in their name, with no user account: it was taken by nobody)."""
    return bool(event.user_name) and not (event.user_id is None and by_text(event))


def by_text(event: Event) -> bool:
    return "by text from" in (event.note or "") or bool((event.data or {}).get("by_text"))


def duress_line(data: VisitData) -> str:
    """'DURESS (code word used) at 10:42 on 24 Nov 2026': the first thing read to 999.

    The office reads this sheet to the call handler, so a duress is named as such, with its time,
    rather than 'not heard from', which would send the call down the wrong script.
    """
    return duress_line_of(data.events)


def duress_line_of(events: Iterable[Event]) -> str:
    """The duress line from these events (a visit's, or an alarm's about a person)."""
    found = [
        e for e in events if e.kind == EventKind.DURESS.value and not (e.data or {}).get("drill")
    ]
    if not found:
        return ""
    event = found[-1]
    line = f"DURESS (code word used) at {fmt_time(event.at)} on {fmt_date(event.at)}"
    if taken_by_office(event):
        line += f", taken by {event.user_name}"
    return line + (f": {event.note}" if event.note else "")


def staff_row(s: Staff) -> list[str]:
    """One person as the police need them: name, role, what they look like, mobile."""
    return [
        s.name,
        s.job_title,
        s.description or "No description recorded",
        display_phone(s.mobile),
    ]


def _staff_rows(visit: Visit) -> list[list[str]]:
    """Who went, as the police need them: name, role, what they look like, mobile."""
    staff_rows = [staff_row(s) for s in visit.staff]
    if visit.companion_agency_name.strip():  # Thomas More: a companion from an outside agency
        staff_rows.append(
            [
                visit.companion_agency_name.strip(),
                f"Companion, {visit.companion_agency_org.strip() or 'outside agency'}",
                "Not school staff: no description on file",
                display_phone(visit.companion_agency_phone) or "No number on file",
            ]
        )
    return staff_rows


def _vehicle(visit: Visit) -> list[tuple[str, str]]:
    """The car to look out for, or that there was none."""
    return vehicle_rows(visit.vehicle_staff)


def vehicle_rows(
    owner: Staff | None, none: str = "None: on foot or public transport"
) -> list[tuple[str, str]]:
    """The rows for this driver's car, or `none` (a visit booked with no car: on foot)."""
    vehicle: list[tuple[str, str]]
    if owner is not None and owner.vehicle_registration:
        vehicle = [
            ("Registration", owner.vehicle_registration),
            ("Make and model", f"{owner.vehicle_make} {owner.vehicle_model}".strip()),
            ("Colour", owner.vehicle_colour),
            ("Driver", owner.name),
        ]
    else:
        vehicle = [("Vehicle", none)]
    return vehicle


def last_contact_text(data: VisitData) -> str:
    """The last time anyone heard from the staff, in words."""
    contact = data.last_contact
    last = "None recorded"
    if contact is not None:
        last = f"{label(contact.kind)} at {fmt_datetime(contact.at)}"
        if contact.note:
            last += f": {contact.note}"
        if taken_by_office(contact):
            last += f" (taken by {contact.user_name})"
    return last


def times_rows(visit: Visit) -> list[tuple[str, str]]:
    """The visit's timeline so far: what was planned and what was confirmed."""
    left_school = (
        fmt_time(visit.departed_at)
        if visit.departed_at
        else f"{fmt_time(visit.planned_departure)} (planned)"
    )
    times = [
        ("Date", fmt_date(visit.start)),
        ("Left school", left_school),
        ("Arrived", fmt_time(visit.arrived_at) if visit.arrived_at else "Not confirmed"),
        ("Visit due to end", fmt_time(visit.end)),
        ("Left the property", fmt_time(visit.left_at) if visit.left_at else "Not confirmed"),
        ("Expected back", fmt_time(visit.expected_return)),
    ]
    return times


def place_rows(visit: Visit) -> list[tuple[str, str]]:
    """Where they went and who lives there (the social worker too, when there is one)."""
    household = visit.household
    place = [
        ("Address", address_block(household)),
        ("Home phone", display_phone(household.phone) or "None recorded"),
        ("Household", household.name),
        ("Parents / carers", household.parents_carers),
        ("Pupil", pupil_text(visit)),
        ("Purpose of visit", visit.purpose_label),
    ]
    if household.social_worker_name:
        place.append(
            (
                "Social worker",
                f"{household.social_worker_name} {display_phone(household.social_worker_phone)}",
            )
        )
    return place


def call_line(ctx: PrintContext, office_contact: str = "") -> Flowable:
    """Who to ring: the police numbers and the school's own contact."""
    policy = ctx.policy
    office = office_contact or "School office"
    if ctx.school_phone:
        office = f"{office}, {ctx.school_phone}"
    return para(
        f"Emergency {policy.police_emergency} · non-emergency {policy.police_non_emergency}. "
        f"School contact: {office}.",
        NOTICE,
    )


def staff_grid(rows: list[list[str]]) -> Flowable:
    """Name, role, what they look like, mobile: one row a person."""
    return grid_table(
        ["Name", "Role", "Description", "Mobile"], rows, [40 * mm, 32 * mm, 78 * mm, 30 * mm]
    )


def risks_grid(household: Household) -> Flowable:
    """The known risks at an address, as recorded, or that there are none."""
    risks = current_risks(household)
    risk_rows = [[risk_label(r.kind), r.description, fmt_date(r.recorded_at)] for r in risks]
    return grid_table(
        ["Risk", "Details", "Recorded"],
        risk_rows or [["None recorded", "", ""]],
        [45 * mm, 105 * mm, 30 * mm],
    )


def police_write_in(width: float) -> Flowable:
    """The boxes the office fills in by hand once the police are called."""
    return keep(
        heading("Police"),
        write_in(
            [("Reported to police at", ""), ("Police reference", ""), ("Reported by", "")],
            width,
        ),
    )


def build(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    visit = data.visit
    width = content_width()
    household = visit.household
    staff_rows = _staff_rows(visit)
    vehicle = _vehicle(visit)
    last = last_contact_text(data)
    times = times_rows(visit)
    place = place_rows(visit)
    duress = duress_line(data)
    situation = "DURESS: staff need help now" if duress else "Staff not heard from"
    return [
        *title_block(TITLE, f"{situation} on a home visit · visit {visit.id}"),
        *([para(duress + ".", NOTICE)] if duress else []),
        call_line(ctx, visit.office_contact),
        heading("Staff on the visit"),
        staff_grid(staff_rows),
        heading("Where they went"),
        pairs_table(place, width),
        heading("Known risks at the address"),
        risks_grid(household),
        heading("Vehicle"),
        pairs_table(vehicle, width),
        heading("Times"),
        pairs_table(times, width),
        fields_table([("Last contact", last)], width),
        police_write_in(width),
    ]
