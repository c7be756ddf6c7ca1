"""Agreements made with parents at a visit, written one per line with the date they are due:

    Ben to arrive by 8:45 every day — by 11/12/2026
    Mum to ring the office on any day of absence, by 2026-12-04

Each line that ends 'by <date>' becomes a tracked item (Harrogate and St Hugh's follow agreements up,
with a reminder letter when one is broken). Lines without a date stay as plain notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DUE = re.compile(
    r"^(?P<what>.*?)[\s,;:–—-]*\bby\s+(?P<day>\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\s*\.?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AgreementItem:
    what: str
    due: date


def _date(text: str) -> date:
    if "/" in text:
        dd, mm, yyyy = text.split("/")
        return date(int(yyyy), int(mm), int(dd))
    return date.fromisoformat(text)


def parse_agreements(text: str, today: date) -> tuple[list[AgreementItem], list[str]]:
    """The dated agreements, and what is wrong with any line that tried to give a date."""
    items: list[AgreementItem] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found = _DUE.match(line.strip())
        if not found:
            continue
        what = found["what"].strip()
        try:
            due = _date(found["day"])
        except ValueError:
            errors.append(f"line {number}: '{found['day']}' is not a date; write by 11/12/2026")
            continue
        if not what:
            errors.append(f"line {number}: say what was agreed before 'by {found['day']}'")
        elif due < today:
            errors.append(f"line {number}: {due:%d/%m/%Y} has passed; give a date from today on")
        else:
            items.append(AgreementItem(what, due))
    return items, errors


def is_overdue(due: date, status: str, today: date) -> bool:
    """Open and past its date: time to decide whether it was kept or broken."""
    return status == "open" and due < today
