"""Police information sheet (escalation step 4, DESIGN 5): everything a call handler will ask for.

Read out on a 999 call or handed to officers, so the facts come first, in the order they are asked:
who, what they look like, how to reach them, what they drive, where they went, when, and what risks
are known at the address.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date, fmt_datetime, fmt_time
from hvdesk.events import EventKind, label
from hvdesk.form_list import FORM_LIST, POLICE_SHEET
from hvdesk.models import Visit
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


def _risk_label(kind: str) -> str:
    for risk_kind, text in RISK_LABELS.items():
        if risk_kind.value == kind:
            return text
    return kind.replace("_", " ").capitalize()


def duress_line(data: VisitData) -> str:
    """'DURESS (code word used) at 10:42 on 24 Nov 2026': the first thing read to 999.

    The office reads this sheet to the call handler, so a duress is named as such, with its time,
    rather than 'not heard from', which would send the call down the wrong script.
    """
    found = [
        e
        for e in data.events
        if e.kind == EventKind.DURESS.value and not (e.data or {}).get("drill")
    ]
    if not found:
        return ""
    event = found[-1]
    line = f"DURESS (code word used) at {fmt_time(event.at)} on {fmt_date(event.at)}"
    if event.user_name:
        line += f", taken by {event.user_name}"
    return line + (f": {event.note}" if event.note else "")


def _staff_rows(visit: Visit) -> list[list[str]]:
    """Who went, as the police need them: name, role, what they look like, mobile."""
    staff_rows = [
        [
            s.name,
            s.job_title,
            s.description or "No description recorded",
            display_phone(s.mobile),
        ]
        for s in visit.staff
    ]
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
    owner = visit.vehicle_staff
    vehicle: list[tuple[str, str]]
    if owner is not None and owner.vehicle_registration:
        vehicle = [
            ("Registration", owner.vehicle_registration),
            ("Make and model", f"{owner.vehicle_make} {owner.vehicle_model}".strip()),
            ("Colour", owner.vehicle_colour),
            ("Driver", owner.name),
        ]
    else:
        vehicle = [("Vehicle", "None: on foot or public transport")]
    return vehicle


def _last_contact(data: VisitData) -> str:
    """The last time anyone heard from the staff, in words."""
    contact = data.last_contact
    last = "None recorded"
    if contact is not None:
        last = f"{label(contact.kind)} at {fmt_datetime(contact.at)}"
        if contact.note:
            last += f": {contact.note}"
        if contact.user_name:
            last += f" (taken by {contact.user_name})"
    return last


def _times(visit: Visit) -> list[tuple[str, str]]:
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


def _place(visit: Visit) -> list[tuple[str, str]]:
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


def build(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    visit, policy = data.visit, ctx.policy
    width = content_width()
    household = visit.household
    staff_rows = _staff_rows(visit)
    vehicle = _vehicle(visit)
    last = _last_contact(data)
    times = _times(visit)
    place = _place(visit)
    risks = current_risks(household)
    risk_rows = [[_risk_label(r.kind), r.description, fmt_date(r.recorded_at)] for r in risks]
    office = visit.office_contact or "School office"
    if ctx.school_phone:
        office = f"{office}, {ctx.school_phone}"
    duress = duress_line(data)
    situation = "DURESS: staff need help now" if duress else "Staff not heard from"
    return [
        *title_block(TITLE, f"{situation} on a home visit · visit {visit.id}"),
        *([para(duress + ".", NOTICE)] if duress else []),
        para(
            f"Emergency {policy.police_emergency} · non-emergency {policy.police_non_emergency}. "
            f"School contact: {office}.",
            NOTICE,
        ),
        heading("Staff on the visit"),
        grid_table(
            ["Name", "Role", "Description", "Mobile"],
            staff_rows,
            [40 * mm, 32 * mm, 78 * mm, 30 * mm],
        ),
        heading("Where they went"),
        pairs_table(place, width),
        heading("Known risks at the address"),
        grid_table(
            ["Risk", "Details", "Recorded"],
            risk_rows or [["None recorded", "", ""]],
            [45 * mm, 105 * mm, 30 * mm],
        ),
        heading("Vehicle"),
        pairs_table(vehicle, width),
        heading("Times"),
        pairs_table(times, width),
        fields_table([("Last contact", last)], width),
        keep(
            heading("Police"),
            write_in(
                [("Reported to police at", ""), ("Police reference", ""), ("Reported by", "")],
                width,
            ),
        ),
    ]
