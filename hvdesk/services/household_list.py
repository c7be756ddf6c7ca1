"""The Households screen's list, one page at a time, searched and sorted by the database.

A school with years of history has thousands of homes: the screen asks only for the page it shows
(LIMIT/OFFSET in name order) and gets flat rows, each already worded for its columns, so the
session closes with nothing held and the screen's memory follows what was scrolled through.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from hvdesk.models import Household, Pupil, RiskKind
from hvdesk.rules.known_risks import RISK_LABELS, current_risks
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Service

PAGE_SIZE = 200


class HouseholdSort(Enum):
    """What the list may be ordered by (the columns a household's own fields decide)."""

    NAME = "name"
    ADDRESS = "address"
    PHONE = "phone"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class HouseholdFilter:
    """Search matches name, address, postcode or an active or past pupil's name (any case)."""

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


def household_statement(flt: HouseholdFilter) -> Select[Household]:
    """Households matching the filter, in its order (name breaks ties, then the id)."""
    stmt = select(Household)
    if not flt.include_inactive:
        stmt = stmt.where(Household.active.is_(True))
    text = flt.search.strip().lower()
    if text:
        # autoescape: a typed % or _ is a character to find, not a wildcard
        pupil_match = select(Pupil.household_id).where(
            func.lower(Pupil.name).contains(text, autoescape=True)
        )
        stmt = stmt.where(
            or_(
                func.lower(Household.name).contains(text, autoescape=True),
                func.lower(Household.address).contains(text, autoescape=True),
                func.lower(Household.postcode).contains(text, autoescape=True),
                Household.id.in_(pupil_match),
            )
        )
    key: Any = {
        HouseholdSort.NAME: Household.name,
        HouseholdSort.ADDRESS: Household.address,
        HouseholdSort.PHONE: Household.phone,
        HouseholdSort.STATUS: Household.active,
    }[flt.sort]
    order = [key] if flt.sort is HouseholdSort.NAME else [key, Household.name]
    order.append(Household.id)
    return stmt.order_by(*(c.desc() if flt.descending else c.asc() for c in order))


def _status(h: Household) -> str:
    if not h.active:
        return "Deactivated"
    return "Review assessment" if h.assessment_needs_review else "Active"


def list_row(h: Household) -> HouseholdListRow:
    """A household (pupils and risks loaded) as the list shows it."""
    risks = ", ".join(RISK_LABELS[RiskKind(r.kind)].split(" (")[0] for r in current_risks(h))
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
