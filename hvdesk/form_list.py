"""The printed forms by name: title, what each is printed for, page shape. No ReportLab here.

`hvdesk print --help` and a wrong form name list the forms from this table alone, without loading
ReportLab and every form's module (seconds on an office PC); hvdesk.printing.FORMS pairs each
entry with the function that builds it, and the forms print these titles.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Selector = Literal["visit", "staff", "day", "alarm"]  # alarm: one about a person, no visit

LONE_WORKING = "lone-working"
VISIT_RECORD = "visit-record"
APPOINTMENT_LETTER = "appointment-letter"
SORRY_SLIP = "sorry-slip"
SAFETY_CANCELLATION = "safety-cancellation"
POLICE_SHEET = "police-sheet"
PERSON_POLICE_SHEET = "person-police-sheet"
DAY_SHEET = "day-sheet"
CANCELLATION_LETTER = "cancellation-letter"


class FormEntry(NamedTuple):  # not a dataclass: `dataclasses` loads `inspect`, a third of --help
    title: str  # printed in the header and recorded as the audit note
    selector: Selector  # what the form is printed for
    wide: bool = False  # landscape A4
    confidential: bool = False  # personal safety details: marked on every page


FORM_LIST: dict[str, FormEntry] = {
    LONE_WORKING: FormEntry("Lone Working Risk Assessment", "staff", confidential=True),
    VISIT_RECORD: FormEntry("Home visit record and itinerary", "visit", confidential=True),
    APPOINTMENT_LETTER: FormEntry("Home visit appointment letter", "visit"),
    SORRY_SLIP: FormEntry("'Sorry you weren't in' slip", "visit"),
    SAFETY_CANCELLATION: FormEntry("Safety cancellation note", "visit", confidential=True),
    POLICE_SHEET: FormEntry("Police information sheet", "visit", confidential=True),
    PERSON_POLICE_SHEET: FormEntry("Police information sheet", "alarm", confidential=True),
    DAY_SHEET: FormEntry("Day sheet of home visits", "day", wide=True, confidential=True),
    CANCELLATION_LETTER: FormEntry("Visit cancelled: letter to the family", "visit"),
}
