"""Printed forms and letters (DESIGN 7). FORMS names each form and what it is printed for.

A form is a pure function from loaded data to a ReportLab story; hvdesk.services.printing loads the
data, renders it on the shared page (printing.base) and records the print in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Flowable

from hvdesk.form_list import (
    APPOINTMENT_LETTER,
    CANCELLATION_LETTER,
    DAY_SHEET,
    FORM_LIST,
    LONE_WORKING,
    PERSON_POLICE_SHEET,
    POLICE_SHEET,
    SAFETY_CANCELLATION,
    SORRY_SLIP,
    VISIT_RECORD,
    Selector,
)
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
from hvdesk.rules.visit_forms import visit_form_problem


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


_BUILDERS: dict[str, Callable[[PrintContext, Any], list[Flowable]]] = {
    LONE_WORKING: lone_working.build,
    VISIT_RECORD: visit_record.build,
    APPOINTMENT_LETTER: letters.build_appointment,
    SORRY_SLIP: letters.build_sorry_slip,
    SAFETY_CANCELLATION: safety_note.build,
    POLICE_SHEET: police_sheet.build,
    PERSON_POLICE_SHEET: person_police_sheet.build,
    DAY_SHEET: day_sheet.build,
    CANCELLATION_LETTER: family_letters.build_cancellation,
}

# hvdesk.form_list says what each form is (without ReportLab); here, how each is built
FORMS: dict[str, FormSpec] = {
    name: FormSpec(name, e.title, e.selector, _BUILDERS[name], e.wide, e.confidential)
    for name, e in FORM_LIST.items()
}

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
