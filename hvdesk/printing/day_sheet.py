"""Day sheet for the office wall: every visit of one London day with times and phone numbers.

Landscape, one row per visit; a busy day flows onto more pages with the header row repeated.
Cancelled, rejected and draft visits stay listed (shaded) so nobody wonders where they went.
"""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from hvdesk.clock import fmt_time
from hvdesk.form_list import DAY_SHEET, FORM_LIST
from hvdesk.models import STATUS_LABELS, Visit, VisitStatus
from hvdesk.printing.context import DayData, PrintContext
from hvdesk.printing.styles import (
    BODY,
    CELL_SMALL,
    Cell,
    content_width,
    grid_table,
    para,
    text,
    title_block,
)
from hvdesk.rules.known_risks import risk_summary
from hvdesk.rules.validation import display_phone

TITLE = FORM_LIST[DAY_SHEET].title
HEADER = [
    "Times",
    "Staff and mobiles",
    "Pupil and address",
    "Home phone",
    "Purpose",
    "Vehicle",
    "Known risks",
    "Status",
]
COLUMNS = [25, 54, 52, 28, 30, 24, 36, 18]  # mm, sums to the 267 mm landscape frame
NOT_GOING = {VisitStatus.CANCELLED.value, VisitStatus.REJECTED.value, VisitStatus.DRAFT.value}


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _row(visit: Visit) -> list[Cell]:
    household = visit.household
    pupil = visit.pupil.name if visit.pupil is not None else ""
    owner = visit.vehicle_staff
    vehicle = owner.vehicle_registration if owner is not None else ""
    if owner is not None and owner.vehicle_registration:
        vehicle = f"{owner.vehicle_registration}\n{owner.vehicle_colour} {owner.vehicle_make}"
    times = Paragraph(
        f"<b>{fmt_time(visit.start)}–{fmt_time(visit.end)}</b><br/>"
        f"Leave {fmt_time(visit.planned_departure)}<br/>Back {fmt_time(visit.expected_return)}",
        CELL_SMALL,
    )
    staff = "<br/>".join(
        f"{text(s.name)} <b>{text(display_phone(s.mobile))}</b>" for s in visit.staff
    )
    return [
        times,
        Paragraph(staff, CELL_SMALL),
        "\n".join(p for p in (pupil, household.one_line_address) if p),
        display_phone(household.phone),
        visit.purpose_label,
        vehicle or "None",
        risk_summary(household),
        STATUS_LABELS.get(VisitStatus(visit.status), visit.status),
    ]


def build(ctx: PrintContext, data: DayData) -> list[Flowable]:
    visits = data.visits
    going = [v for v in visits if v.status not in NOT_GOING]
    subtitle = f"{len(going)} visit{'s' if len(going) != 1 else ''} going ahead"
    if len(visits) != len(going):
        subtitle += f", {len(visits) - len(going)} not going ahead (shaded)"
    if ctx.school_phone:
        subtitle += f" · office {ctx.school_phone}"
    story: list[Flowable] = [*title_block(f"Home visits: {long_day(data.day)}", subtitle)]
    if not visits:
        story.append(para("No home visits are booked for this day.", BODY))
        return story
    muted = [i for i, v in enumerate(visits) if v.status in NOT_GOING]
    widths = [w * mm for w in COLUMNS]
    scale = content_width(wide=True) / sum(widths)
    story.append(
        grid_table(
            HEADER,
            [_row(v) for v in visits],
            [w * scale for w in widths],
            muted_rows=muted,
            cell_style=CELL_SMALL,
        )
    )
    return story
