"""The police information sheet for an alarm about a person rather than one visit.

A safe word texted between visits, after coming back, before a later visit, or with two visits out
raises duress about the person: there is no one address to send officers to. So the sheet leads
with who they are (what they look like, their mobile, their car), where hvdesk last knew them to be
and when they raised the duress, then each visit they have out with its address and known risks,
in the same shapes as the visit's sheet so the office reads both the same way.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hvdesk.clock import fmt_datetime, fmt_time
from hvdesk.models import AlarmLevel, Visit
from hvdesk.printing.context import PersonData, PrintContext
from hvdesk.printing.police_sheet import (
    TITLE,
    call_line,
    duress_line_of,
    place_rows,
    police_write_in,
    risks_grid,
    staff_grid,
    staff_row,
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


def _visit_section(number: int, total: int, visit: Visit, person_id: int) -> list[Flowable]:
    """One visit they have out: where, who else went, when expected back, the known risks."""
    width = content_width()
    others = [s for s in visit.staff if s.id != person_id]
    rows = place_rows(visit)
    rows += [
        ("Also on the visit", "; ".join(f"{s.name} {display_phone(s.mobile)}" for s in others))
        if others
        else ("Also on the visit", "Nobody: lone visit"),
        ("Expected back", fmt_datetime(visit.expected_return)),
    ]
    title = f"Visit out {number} of {total}" if total > 1 else "Visit out"
    return [
        heading(f"{title}: {visit.household.name}"),
        pairs_table(rows, width),
        heading(f"Known risks at {visit.household.name}"),
        risks_grid(visit.household),
    ]


def build(ctx: PrintContext, data: PersonData) -> list[Flowable]:
    width = content_width()
    staff, alarm = data.staff, data.alarm
    mobile = display_phone(staff.mobile) or "No mobile on file"
    printed = fmt_time(ctx.letterhead.printed_at)
    known = [
        (f"Last known (at {printed})", data.where),
        ("Alarm raised", f"by text from {mobile} at {fmt_datetime(alarm.raised_at)}"),
        ("Why we are worried", alarm.reason),
    ]
    story: list[Flowable] = [
        *title_block(TITLE, f"{situation(data)} · alarm {alarm.id}"),
        para(raised_line(data) + ".", NOTICE),
        call_line(ctx),
        heading("The person"),
        staff_grid([staff_row(staff)]),
        heading("Where they were last known"),
        pairs_table(known, width),
        heading("Vehicle"),
        pairs_table(vehicle_rows(staff), width),
    ]
    for number, visit in enumerate(data.visits, start=1):
        story += _visit_section(number, len(data.visits), visit, staff.id)
    return [*story, police_write_in(width)]
