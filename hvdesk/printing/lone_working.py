"""Lone Working Risk Assessment, one per staff member (St Hugh's form, shared/seeds/000).

The safe word is left as a line to write on unless the user asks for it to be printed: a printout
lying on a desk must not give the word away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date
from hvdesk.form_list import FORM_LIST, LONE_WORKING
from hvdesk.printing.context import PrintContext, StaffData
from hvdesk.printing.styles import (
    CELL_SMALL,
    LABEL,
    boxed,
    content_width,
    gap,
    grid_table,
    heading,
    pairs_table,
    para,
    title_block,
    write_in,
)
from hvdesk.rules.risk import LIKELIHOOD, SEVERITY, ST_HUGHS_HAZARDS, rate
from hvdesk.rules.validation import display_phone

TITLE = FORM_LIST[LONE_WORKING].title
DECLARATION = "I have read and understand the Lone Working Risk Assessment."
HEADER = ["Hazards", "People", "Severity of harm", "Likelihood", "Risk level", "Controls"]
# Controls are given room: they are what the reader acts on.
COLUMNS = [31, 22, 30, 21, 16, 60]  # mm, sums to the 180 mm A4 frame

_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z])")


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def hazard_row(hz: Mapping[str, Any]) -> list[str]:
    """One hazards-table row from a stored hazard; tolerant of hand-edited or partial entries."""
    sev, lik = _as_int(hz.get("severity")), _as_int(hz.get("likelihood"))
    level = str(hz.get("level") or "")
    if not level and sev in SEVERITY and lik in LIKELIHOOD:
        level = rate(sev, lik).value
    severity = str(hz.get("severity_text") or SEVERITY.get(sev or 0, ""))
    likelihood = str(hz.get("likelihood_text") or LIKELIHOOD.get(lik or 0, ""))
    controls = "\n".join(_SENTENCE.split(str(hz.get("controls") or "").strip()))
    return [
        str(hz.get("hazard") or ""),
        str(hz.get("people") or ""),
        severity,
        likelihood,
        level.capitalize(),
        controls,
    ]


def hazards_of(data: StaffData) -> Sequence[Mapping[str, Any]]:
    if data.assessment is not None and data.assessment.hazards:
        return data.assessment.hazards
    return ST_HUGHS_HAZARDS


def build(ctx: PrintContext, data: StaffData) -> list[Flowable]:
    staff, assessment = data.staff, data.assessment
    width = content_width()
    mobile = display_phone(assessment.mobile if assessment else staff.mobile)
    safe_word = assessment.safe_word if (assessment and ctx.print_safe_word) else ""
    details = [
        ("Name", staff.name),
        ("Role", staff.job_title),
        ("Mobile", mobile),
        ("Vehicle", staff.vehicle_text or "None recorded"),
        ("Training", fmt_date(staff.lone_working_training_date) or "Not recorded"),
        (
            "Last signed",
            fmt_date(assessment.signed_on) if assessment else "Not yet signed: sign below",
        ),
    ]
    rows = [hazard_row(hz) for hz in hazards_of(data)]
    story: list[Flowable] = [
        *title_block(TITLE, f"{staff.name}, {staff.job_title}" if staff.job_title else staff.name),
        pairs_table(details, width),
        heading("Hazards and controls"),
        grid_table(HEADER, rows, [w * mm for w in COLUMNS], cell_style=CELL_SMALL),
        gap(5),
    ]
    declaration = [
        para(DECLARATION, LABEL),
        gap(2),
        write_in(
            [
                ("My mobile telephone number is", mobile),
                ("My safe word is", safe_word),
                ("Signed", ""),
                ("Date and time", ""),
            ],
            width - 8 * mm,
            label_width=62 * mm,
        ),
    ]
    story.append(boxed(declaration, width))
    return story
