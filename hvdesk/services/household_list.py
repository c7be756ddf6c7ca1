"""The Households screen's list, one page at a time, searched and sorted by the database.

A school with years of history has thousands of homes: the screen asks only for the page it shows
(LIMIT/OFFSET in name order) and gets flat rows, each already worded for its columns, so the
session closes with nothing held and the screen's memory follows what was scrolled through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from hvdesk.models import Household, KnownRisk, Pupil, RiskKind
from hvdesk.rules.folding import fold
from hvdesk.rules.known_risks import RISK_LABELS, current_risks, short_label
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Service

PAGE_SIZE = 200


class HouseholdSort(Enum):
    """What the list may be ordered by (one per column of the screen)."""

    NAME = "name"
    PUPILS = "pupils"
    ADDRESS = "address"
    PHONE = "phone"
    RISKS = "risks"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class HouseholdFilter:
    """Search matches name, address, postcode or an active or past pupil's name (any case, any
    accents), the phone number as the list shows it (from its start when typed with 0, +44 or
    0044; anywhere from five digits) or a current known risk's words."""

    search: str = ""
    include_inactive: bool = False
    sort: HouseholdSort = HouseholdSort.NAME
    descending: bool = False


@dataclass(frozen=True, slots=True)
class HouseholdListRow:
    id: int
    name: str
    pupils: str  # active pupils' names, as the list shows them
    address: str  # one line, postcode last
    phone: str  # as people write it
    risks: str  # current known risks' short labels, or "None recorded"
    status: str  # Active / Review assessment / Deactivated
    active: bool


@dataclass(frozen=True, slots=True)
class _TypedPhone:
    """Typed digits as the Phone column shows a number (national: 07700 900111)."""

    digits: str
    from_start: bool  # typed as a number begins (0 or +): matched from the number's start


def _phone_number(text: str) -> _TypedPhone | None:
    """`text` as a phone number or part of one, None when it is not one: "+44 (0)7700",
    "0044 7700" and "07700" all as 07700; a + number abroad keeps its +. Digits count as a phone
    number only when typed as one begins (0 or +, beyond the trunk 0) or five or more of them,
    so a house number (12) or a postcode's 0 does not find every home with a phone."""
    if not _PHONE_TYPED.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if (uk := _UK_PREFIX.match(text)) is not None:
        national = re.sub(r"\D", "", text[uk.end() :]).removeprefix("0")
        return _TypedPhone(f"0{national}", True) if national else None
    if text.startswith("+"):
        return _TypedPhone(f"+{digits}", True)
    if digits.startswith("0"):
        return _TypedPhone(digits, True) if len(digits) > 1 else None
    return _TypedPhone(digits, False) if len(digits) >= _MIN_DIGITS_ANYWHERE else None


_PHONE_TYPED = re.compile(r"^\+?[\d\s().-]*\d[\d\s().-]*$")
_UK_PREFIX = re.compile(r"^(?:\+|00)\s*4\s*4")  # +44, 0044 (then (0), 0 or the digits)
_MIN_DIGITS_ANYWHERE = 5


def _shown_phone() -> ColumnElement[str]:
    """The stored E.164 number as the list shows its digits: +44… as 0…, others as stored."""
    national = literal("0", String()) + func.substr(Household.phone, 4, type_=String())
    return case((Household.phone.startswith("+44"), national), else_=Household.phone)


def _phone_matches(number: _TypedPhone) -> ColumnElement[bool]:
    shown = _shown_phone()
    if number.from_start:
        return shown.startswith(number.digits, autoescape=True)
    return shown.contains(number.digits, autoescape=True)


def _risk_kinds(folded: str) -> list[str]:
    """The risk kinds whose label has a word starting with the folded text ("dog" finds "Animals
    (e.g. dogs)"; "ted" is not in "Unexpected adults", "hol" not in "alcohol")."""
    at_word = re.compile(rf"(?<!\w){re.escape(folded)}")
    return [kind.value for kind, label in RISK_LABELS.items() if at_word.search(fold(label))]


def _search(text: str) -> ColumnElement[bool]:
    """Households whose name, address, postcode, any pupil's name (folded: no case, no accents),
    phone number (see _phone_number) or a current known risk's words contain `text`."""
    folded = fold(text)
    # autoescape: a typed % or _ is a character to find, not a wildcard
    pupils = select(Pupil.household_id).where(Pupil.search_key.contains(folded, autoescape=True))
    found = [Household.search_key.contains(folded, autoescape=True), Household.id.in_(pupils)]
    if (number := _phone_number(text)) is not None:
        found.append(_phone_matches(number))
    kinds = _risk_kinds(folded)
    if kinds:
        risky = select(KnownRisk.household_id).where(
            KnownRisk.ended_at.is_(None), KnownRisk.kind.in_(kinds)
        )
        found.append(Household.id.in_(risky))
    return or_(*found)


def _first_pupil() -> ColumnElement[str]:
    """The Pupils column's first name (active pupils, by name), "" for none."""
    first = select(func.min(Pupil.name)).where(
        Pupil.household_id == Household.id, Pupil.active.is_(True)
    )
    return func.coalesce(first.scalar_subquery(), "")


def _first_risk() -> ColumnElement[str]:
    """The Known risks column's first words (the earliest current risk's), or "None recorded"."""
    label = case(
        *((KnownRisk.kind == kind.value, short_label(kind)) for kind in RISK_LABELS),
        else_=KnownRisk.kind,
    )
    first = (
        select(label)
        .where(KnownRisk.household_id == Household.id, KnownRisk.ended_at.is_(None))
        .order_by(KnownRisk.recorded_at, KnownRisk.id)
        .limit(1)
    )
    return func.coalesce(first.scalar_subquery(), "None recorded")


def _status_order() -> ColumnElement[int]:
    """The Status column as it reads: Active, Deactivated, Review assessment."""
    return case(
        (Household.active.is_(False), 1), (Household.assessment_needs_review.is_(True), 2), else_=0
    )


def household_statement(flt: HouseholdFilter) -> Select[Household]:
    """Households matching the filter, in its order (name breaks ties, then the id)."""
    stmt = select(Household)
    if not flt.include_inactive:
        stmt = stmt.where(Household.active.is_(True))
    text = flt.search.strip()
    if text:
        stmt = stmt.where(_search(text))
    key: Any = {
        HouseholdSort.NAME: lambda: Household.name,
        HouseholdSort.PUPILS: _first_pupil,
        HouseholdSort.ADDRESS: lambda: Household.address,
        HouseholdSort.PHONE: lambda: Household.phone,
        HouseholdSort.RISKS: _first_risk,
        HouseholdSort.STATUS: _status_order,
    }[flt.sort]()
    order = [key] if flt.sort is HouseholdSort.NAME else [key, Household.name]
    order.append(Household.id)
    return stmt.order_by(*(c.desc() if flt.descending else c.asc() for c in order))


def _status(h: Household) -> str:
    if not h.active:
        return "Deactivated"
    return "Review assessment" if h.assessment_needs_review else "Active"


def list_row(h: Household) -> HouseholdListRow:
    """A household (pupils and risks loaded) as the list shows it."""
    risks = ", ".join(short_label(RiskKind(r.kind)) for r in current_risks(h))
    return HouseholdListRow(
        h.id,
        h.name,
        ", ".join(p.name for p in h.pupils if p.active),
        h.one_line_address,
        display_phone(h.phone),
        risks or "None recorded",
        _status(h),
        h.active,
    )


class HouseholdList(Service):
    def page(
        self, flt: HouseholdFilter, offset: int = 0, limit: int = PAGE_SIZE
    ) -> list[HouseholdListRow]:
        """One page of the list, in the filter's order; only that page's pupils and risks read."""
        stmt = (
            household_statement(flt)
            .options(selectinload(Household.pupils), selectinload(Household.risks))
            .offset(offset)
            .limit(limit)
        )
        with self.db.read() as session:
            return [list_row(h) for h in session.scalars(stmt)]
