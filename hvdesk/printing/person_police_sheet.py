"""The police information sheet for an alarm about a person rather than one visit.

A safe word texted between visits, after coming back, before a later visit, or with two visits out
raises duress about the person: there is no one address to send officers to. So the sheet leads
with who they are (what they look like, their mobiles, the number that texted), where hvdesk last
knew them to be and when they raised the duress, then each visit they have out with its address,
the car it went in, its times, last contact and known risks, in the same shapes as the visit's
sheet so the office reads both the same way. Their own car only when no visit is out.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.models import AlarmLevel
from hvdesk.printing.context import PersonData, PrintContext, VisitData
from hvdesk.printing.police_sheet import (
    TITLE,
    call_line,
    duress_line_of,
    last_contact_text,
    place_rows,
    police_write_in,
    risks_grid,
    staff_grid,
    staff_row,
    times_rows,
    vehicle_rows,
)
from hvdesk.printing.styles import NOTICE, content_width, heading, pairs_table, para, title_block
from hvdesk.rules.validation import display_phone


def situation(data: PersonData) -> str:
    """The subtitle's first words: what kind of help, and why there is no one address."""
    out = len(data.visits)
    where = "no visit out" if not out else "one visit out" if out == 1 else f"{out} visits out"
    if data.alarm.level == AlarmLevel.DURESS.value:
        return f"DURESS: {data.staff.name} needs help now ({where})"
    return f"Possible duress: {data.staff.name} ({where})"


def raised_line(data: PersonData) -> str:
    """The duress with its time, or (wrong PINs only) when the alarm was raised and why."""
    duress = duress_line_of(data.events)
    if duress:
        return duress
    alarm = data.alarm
    return f"Raised at {fmt_datetime(alarm.raised_at)}: {alarm.reason}"


def _visit_section(number: int, total: int, data: VisitData, person_id: int) -> list[Flowable]:
    """One visit they have out, as its own sheet gives it: where, who else went, the car it
    went in, its times so far and the last contact, then the known risks."""
    visit = data.visit
    others = [s for s in visit.staff if s.id != person_id]
    also = "; ".join(f"{s.name} {display_phone(s.mobile)}" for s in others)
    rows = [
        *place_rows(visit),
        ("Also on the visit", also or "Nobody: lone visit"),
        *vehicle_rows(visit.vehicle_staff),
        *times_rows(visit),
        ("Last contact", last_contact_text(data)),
    ]
    title = f"Visit out {number} of {total}" if total > 1 else "Visit out"
    return [
        heading(f"{title}: {visit.household.name}"),
        pairs_table(rows, content_width()),
        heading(f"Known risks at {visit.household.name}"),
        risks_grid(visit.household),
    ]


def _person_row(data: PersonData) -> list[str]:
    """Their row in 'The person': both numbers when the text came from another of theirs."""
    row = staff_row(data.staff)
    sender = display_phone(data.texted_from) or data.texted_from
    if sender and sender != row[3]:
        row[3] = f"{row[3]} (staff record); {sender} (texted from)" if row[3] else sender
    return row


def _raised(data: PersonData) -> str:
    """When the alarm was raised, and from which number when a text raised it."""
    at = fmt_datetime(data.alarm.raised_at)
    if not data.texted_from:
        return at
    return f"Texted from {display_phone(data.texted_from) or data.texted_from} at {at}"


def _own_car(data: PersonData) -> list[Flowable]:
    """Only with no visit out: then their own car (as the staff record has it) is all we know;
    with a visit out, the car is the one that visit went in, under the visit."""
    if data.visits:
        return []
    rows = vehicle_rows(data.staff, none="No car on record")
    return [heading("Vehicle: own car (staff record)"), pairs_table(rows, content_width())]


def build(ctx: PrintContext, data: PersonData) -> list[Flowable]:
    width = content_width()
    alarm = data.alarm
    printed = fmt_time(ctx.letterhead.printed_at)
    known = [
        (f"Last known (at {printed})", data.where),
        ("Alarm raised", _raised(data)),
        ("Why we are worried", alarm.reason),
    ]
    story: list[Flowable] = [
        *title_block(TITLE, f"{situation(data)} · alarm {alarm.id}"),
        para(raised_line(data) + ".", NOTICE),
        call_line(ctx),
        heading("The person"),
        staff_grid([_person_row(data)]),
        heading("Where they were last known"),
        pairs_table(known, width),
        *_own_car(data),
    ]
    for number, visit in enumerate(data.visits, start=1):
        story += _visit_section(number, len(data.visits), visit, data.staff.id)
    return [*story, police_write_in(width)]
