"""Printed forms and letters (DESIGN 7). FORMS names each form and what it is printed for.

A form is a pure function from loaded data to a ReportLab story; hvdesk.services.printing loads the
data, renders it on the shared page (printing.base) and records the print in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from reportlab.platypus import Flowable

from hvdesk.models import Visit
from hvdesk.printing import (
    day_sheet,
    family_letters,
    letters,
    lone_working,
    person_police_sheet,
    police_sheet,
    safety_note,
    visit_record,
)
from hvdesk.printing.base import register_fonts
from hvdesk.printing.context import PrintContext

Selector = Literal["visit", "staff", "day", "alarm"]  # alarm: one about a person, no visit


@dataclass(frozen=True)
class FormSpec:
    name: str  # command-line name, e.g. 'lone-working'
    title: str  # printed in the header and recorded as the audit note
    selector: Selector  # what the form is printed for
    build: Callable[[PrintContext, Any], list[Flowable]]
    wide: bool = False  # landscape A4
    confidential: bool = False  # personal safety details: marked on every page

    def story(self, ctx: PrintContext, data: Any) -> list[Flowable]:
        """The form's flowables. Fonts first: Paragraphs resolve their font when created."""
        register_fonts()
        return self.build(ctx, data)


LONE_WORKING = "lone-working"
VISIT_RECORD = "visit-record"
APPOINTMENT_LETTER = "appointment-letter"
SORRY_SLIP = "sorry-slip"
SAFETY_CANCELLATION = "safety-cancellation"
POLICE_SHEET = "police-sheet"
PERSON_POLICE_SHEET = "person-police-sheet"
DAY_SHEET = "day-sheet"
CANCELLATION_LETTER = "cancellation-letter"

FORMS: dict[str, FormSpec] = {
    spec.name: spec
    for spec in (
        FormSpec(LONE_WORKING, lone_working.TITLE, "staff", lone_working.build, confidential=True),
        FormSpec(VISIT_RECORD, visit_record.TITLE, "visit", visit_record.build, confidential=True),
        FormSpec(APPOINTMENT_LETTER, letters.APPOINTMENT_TITLE, "visit", letters.build_appointment),
        FormSpec(SORRY_SLIP, letters.SLIP_FORM_TITLE, "visit", letters.build_sorry_slip),
        FormSpec(
            SAFETY_CANCELLATION, safety_note.TITLE, "visit", safety_note.build, confidential=True
        ),
        FormSpec(POLICE_SHEET, police_sheet.TITLE, "visit", police_sheet.build, confidential=True),
        FormSpec(
            PERSON_POLICE_SHEET,
            police_sheet.TITLE,
            "alarm",
            person_police_sheet.build,
            confidential=True,
        ),
        FormSpec(DAY_SHEET, day_sheet.TITLE, "day", day_sheet.build, wide=True, confidential=True),
        FormSpec(
            CANCELLATION_LETTER,
            family_letters.CANCELLATION_TITLE,
            "visit",
            family_letters.build_cancellation,
        ),
    )
}

_VISIT_PROBLEMS: dict[str, Callable[[Visit], str | None]] = {
    APPOINTMENT_LETTER: letters.appointment_problem,
    SORRY_SLIP: letters.slip_problem,
    SAFETY_CANCELLATION: safety_note.problem,
    CANCELLATION_LETTER: family_letters.cancellation_problem,
}


def visit_form_problem(form: str, visit: Visit) -> str | None:
    """Why this visit-form cannot be printed for this visit in its present state, or None.

    The print service refuses with this message; menus offer only the forms for which it is None.
    """
    check = _VISIT_PROBLEMS.get(form)
    return check(visit) if check is not None else None


__all__ = [
    "APPOINTMENT_LETTER",
    "CANCELLATION_LETTER",
    "DAY_SHEET",
    "FORMS",
    "LONE_WORKING",
    "PERSON_POLICE_SHEET",
    "POLICE_SHEET",
    "SAFETY_CANCELLATION",
    "SORRY_SLIP",
    "VISIT_RECORD",
    "FormSpec",
    "Selector",
    "visit_form_problem",
]
