"""Agreements made with parents at a visit, written one per line with the date they are due:

    Ben to arrive by 8:45 every day — by 11/12/2026
    Mum to ring the office on any day of absence, by 2026-12-04

Each line that ends 'by <date>' becomes a tracked item (Harrogate and St Hugh's follow agreements up,
with a reminder letter when one is broken). Lines without a date stay as plain notes.

An outcome is saved again when it is corrected: a line already tracked may keep a date that has since
passed, an edited line updates its item, and a removed line withdraws it (reconcile()).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
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


def parse_agreements(
    text: str, today: date, tracked: Collection[AgreementItem] = ()
) -> tuple[list[AgreementItem], list[str]]:
    """The dated agreements, and what is wrong with any line that tried to give a date.

    A date that has passed is refused only on a new agreement: one already `tracked` (or a tracked
    one whose wording was edited, keeping its date) was in the future when it was agreed."""
    tracked_dues = {t.due for t in tracked}
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
        elif due < today and due not in tracked_dues:
            errors.append(f"line {number}: {due:%d/%m/%Y} has passed; give a date from today on")
        else:
            items.append(AgreementItem(what, due))
    return items, errors


@dataclass(frozen=True)
class TrackedItem:
    id: int
    what: str
    due: date


@dataclass
class Reconciled:
    """What saving the outcome text again does to the agreements tracked for that visit."""

    updated: list[tuple[int, AgreementItem]] = field(default_factory=list)  # id -> new wording/date
    added: list[AgreementItem] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)  # lines no longer in the text


def reconcile(items: Sequence[AgreementItem], tracked: Sequence[TrackedItem]) -> Reconciled:
    """Match the text's agreements to the tracked ones: the same line unchanged; the same wording
    with a new date, or the same date with new wording, is that line edited; the rest are new
    agreements, and tracked ones left unmatched were removed from the text."""
    out = Reconciled()
    left = list(tracked)
    pending: list[AgreementItem] = []
    for item in items:  # unchanged lines first, so an edit never steals an unchanged line's item
        same = next((t for t in left if (t.what, t.due) == (item.what, item.due)), None)
        if same is not None:
            left.remove(same)
        else:
            pending.append(item)
    for item in pending:
        edited = next((t for t in left if t.what == item.what), None) or next(
            (t for t in left if t.due == item.due), None
        )
        if edited is None:
            out.added.append(item)
        else:
            left.remove(edited)
            out.updated.append((edited.id, item))
    out.withdrawn = [t.id for t in left]
    return out


def is_overdue(due: date, status: str, today: date) -> bool:
    """Open and past its date: time to decide whether it was kept or broken."""
    return status == "open" and due < today
