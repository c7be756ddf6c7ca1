"""Letters to the family: the appointment letter and the 'sorry you weren't in' slip.

Both are written in plain words for parents and give the school office's number, never a staff
member's own mobile.
"""

from __future__ import annotations

import re

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

from hvdesk.clock import fmt_date, fmt_time, london
from hvdesk.form_list import APPOINTMENT_LETTER, FORM_LIST, SORRY_SLIP
from hvdesk.models import Purpose, Visit
from hvdesk.printing.context import PrintContext, VisitData, address_block, names_and
from hvdesk.printing.styles import (
    BIG,
    BODY,
    BODY_RIGHT,
    INK,
    SLIP_TITLE,
    CutLine,
    content_width,
    gap,
    para,
    text,
    write_in,
)

_PARENTHESES = re.compile(r"\s*\([^)]*\)")

APPOINTMENT_TITLE = FORM_LIST[APPOINTMENT_LETTER].title
SLIP_TITLE_TEXT = "Sorry you weren't in"
SLIP_FORM_TITLE = FORM_LIST[SORRY_SLIP].title

# What each purpose means to a parent, completing 'We would like to visit ...'.
PLAIN_PURPOSE: dict[Purpose, str] = {
    Purpose.ATTENDANCE: "to talk with you about {child}'s attendance at school and how we can help",
    Purpose.SAFE_AND_WELL: "to see {child} and check that all is well",
    Purpose.INDUCTION: "to meet {child} at home before starting school, so the first days feel "
    "familiar",
    Purpose.EDUCATED_AT_HOME: "to see how {child} is getting on and plan their learning while they "
    "are not in school",
    Purpose.MEETING_PARENTS: "to meet you at home and talk about how {child} is getting on",
    Purpose.COLLECT_DROP: "to collect or drop off {child} or their school work",
    Purpose.SUSPECTED_HOLIDAY: "to talk with you about {child}'s absence from school",
    Purpose.STATUTORY_ASSESSMENT: "to talk with you about {child}'s assessment of special "
    "educational needs",
    Purpose.FAMILY_SUPPORT: "to talk with you about any support your family would find useful",
}


def child_name(visit: Visit) -> str:
    if visit.pupil is None:
        return "your child"
    return visit.pupil.name.split()[0] if visit.pupil.name.strip() else "your child"


def plain_purpose(visit: Visit) -> str:
    try:
        purpose = Purpose(visit.purpose)
    except ValueError:
        purpose = Purpose.OTHER
    if purpose is Purpose.OTHER:
        return f"about: {visit.purpose_other}" if visit.purpose_other else "to see you at home"
    return PLAIN_PURPOSE[purpose].format(child=child_name(visit))


def long_date(visit: Visit) -> str:
    local = london(visit.start)
    return f"{local:%A} {local.day} {local:%B %Y}"


def _staff_words(visit: Visit) -> str:
    people = [f"{s.name} ({s.job_title})" if s.job_title else s.name for s in visit.staff]
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


def build_appointment(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    visit = data.visit
    household = visit.household
    width = content_width()
    phone = ctx.school_phone
    minutes = max(int((visit.end - visit.start).total_seconds() // 60), 0)
    parents = _PARENTHESES.sub("", household.parents_carers).strip(" ,;")
    to = parents or f"The parent or carer of {child_name(visit)}"
    greeting = parents or "Parent or Carer"
    rearrange = (
        f"If this time is not convenient, please phone the school office on {phone} so we can "
        "arrange another time."
        if phone
        else "If this time is not convenient, please contact the school office so we can arrange "
        "another time."
    )
    who = _staff_words(visit)
    come = "will come to see you" if len(visit.staff) == 1 else "will come together to see you"
    address = Table(
        [
            [
                para(f"{to}\n{address_block(household)}", BODY),
                para(fmt_date(ctx.letterhead.printed_at), BODY_RIGHT),
            ]
        ],
        colWidths=[width - 45 * mm, 45 * mm],
        hAlign="LEFT",
    )
    address.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    when = f"{long_date(visit)} at {fmt_time(visit.start)}"
    story: list[Flowable] = [
        gap(4),
        address,
        gap(10),
        para(f"Dear {greeting},", BODY),
        para(
            f"<b>Home visit: {text(when)}</b>",
            BIG,
            markup=True,
        ),
        para(
            f"We would like to visit you at home on {when}, {plain_purpose(visit)}. "
            f"{who} {come}. The visit will take about {minutes} minutes.",
            BODY,
        ),
        para(
            "Our staff will show their school identification when they arrive. Please make sure "
            "an adult is at home: we cannot come in if only children are there. If you have a "
            "dog or other pet, please keep it in another room during the visit.",
            BODY,
        ),
        para(rearrange + f" Please quote reference HV{visit.id}.", BODY),
        gap(4),
        para("Yours sincerely,", BODY),
        gap(10),
        *[para(f"{s.name}\n{s.job_title}".strip(), BODY) for s in visit.staff],
        para(ctx.letterhead.school_name, BODY),
    ]
    return story


def _slip(ctx: PrintContext, visit: Visit, width: float) -> list[Flowable]:
    """One slip; the page carries two, to cut in half and put through the door."""
    when = visit.arrived_at or visit.start
    return [
        para(ctx.letterhead.school_name, BODY),
        para(SLIP_TITLE_TEXT, SLIP_TITLE),
        para(
            f"We called to see you on {long_date(visit)} at {fmt_time(when)}, but nobody was in.",
            BIG,
        ),
        write_in(
            [
                ("We were", names_and(visit.staff)),
                # blank (to write by hand) when the school has not set its number in Settings
                ("Please phone us on", ctx.school_phone),
                ("Quote reference", f"HV{visit.id}"),
            ],
            width,
            label_width=45 * mm,
        ),
        gap(3),
        para(
            "We would like to arrange another time to see you. Please get in touch as soon as "
            "you can.",
            BODY,
        ),
    ]


def build_sorry_slip(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    width = content_width()
    inner = width - 16 * mm

    def framed() -> Table:
        t = Table([[_slip(ctx, data.visit, inner)]], colWidths=[width], hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.2, INK),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8 * mm),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8 * mm),
                    ("TOPPADDING", (0, 0), (-1, -1), 6 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8 * mm),
                ]
            )
        )
        return t

    return [framed(), gap(10), CutLine(width), gap(10), framed()]
