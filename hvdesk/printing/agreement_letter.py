"""Reminder letter to the family when an agreement made at a home visit has not been kept
(Harrogate and St Hugh's). Plain data in; the school office's number, never a staff mobile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date
from hvdesk.printing.base import register_fonts
from hvdesk.printing.styles import BIG, BODY, gap, para

TITLE = "Agreement reminder letter"


@dataclass(frozen=True)
class AgreementLetterData:
    school_name: str
    school_phone: str
    printed_on: date
    parents: str
    address: str  # lines separated by newlines
    pupil_first_name: str
    agreement: str
    agreed_on: date
    due: date
    reference: str


def build(data: AgreementLetterData) -> list[Flowable]:
    register_fonts()
    greeting = data.parents or "Parent or Carer"
    contact = (
        f"please phone the school office on {data.school_phone}"
        if data.school_phone
        else "please contact the school office"
    )
    child = data.pupil_first_name or "your child"
    return [
        gap(4),
        para(f"{data.parents or 'The parent or carer'}\n{data.address}", BODY),
        para(fmt_date(data.printed_on), BODY),
        gap(8),
        para(f"Dear {greeting},", BODY),
        para(f"Our agreement about {child}", BIG),
        para(
            f"When we visited you at home on {fmt_date(data.agreed_on)}, we agreed together "
            f"that: {data.agreement}, by {fmt_date(data.due)}.",
            BODY,
        ),
        para(
            "Our records show that this has not happened yet. We want to help, and we would like "
            f"to talk with you about what would make it possible. To arrange this, {contact} and "
            f"quote reference {data.reference}. We may also arrange a follow-up visit.",
            BODY,
        ),
        gap(4),
        para("Yours sincerely,", BODY),
        gap(10),
        para(data.school_name, BODY),
    ]
