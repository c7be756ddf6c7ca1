"""The Visits screen's list, one page at a time, filtered and sorted by the database.

Ten years of a school's visits is 50,000 rows or more: the screen asks only for the page it shows
(LIMIT/OFFSET over an indexed order), as flat rows with no ORM objects, and the filters are SQL, so
the time to the first rows and the memory held do not grow with the history or the match count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from hvdesk.clock import Clock, london_day_bounds
from hvdesk.db import Database
from hvdesk.models import (
    PURPOSE_LABELS,
    STATUS_LABELS,
    Household,
    Purpose,
    Staff,
    Visit,
    VisitStatus,
)
from hvdesk.services.base import Service

PAGE_SIZE = 200


class SortKey(Enum):
    """What the list may be ordered by (one per column of the screen)."""

    WHEN = "when"
    HOUSEHOLD = "household"
    ADDRESS = "address"
    PURPOSE = "purpose"
    STAFF = "staff"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """Text matches household, address, postcode, purpose, staff or status words; status is exact."""

    text: str = ""
    status: str | None = None
    sort: SortKey = SortKey.WHEN
    descending: bool = True


@dataclass(frozen=True, slots=True)
class VisitListRow:
    id: int
    start: datetime
    status: str
    purpose: str
    purpose_other: str
    household_name: str
    address: str
    postcode: str
    lead_name: str
    companion_name: str

    @property
    def one_line_address(self) -> str:
        lines = [ln.strip() for ln in self.address.replace("\n", ",").split(",") if ln.strip()]
        return ", ".join([*lines, self.postcode])

    @property
    def purpose_label(self) -> str:
        if self.purpose == Purpose.OTHER and self.purpose_other:
            return self.purpose_other
        return PURPOSE_LABELS.get(Purpose(self.purpose), self.purpose)

    @property
    def staff_names(self) -> str:
        return " + ".join(n for n in (self.lead_name, self.companion_name) if n)


def _labels_matching(text: str, labels: Mapping[Any, str]) -> list[str]:
    """The stored values whose on-screen words contain `text` (purposes and statuses)."""
    needle = text.casefold()
    return [key.value for key, label in labels.items() if needle in label.casefold()]


def _unindexed(column: Any) -> Any:
    """The column as an expression no index can serve (SQLite's 'disqualify with +' technique).

    A text filter must not send the planner to an index of that one column: a broad match (every
    household has the postcode typed) would then fetch and sort a whole decade. Kept away from
    those, it walks the list index (time order, every filtered column in it): the first page of
    a broad match is found at once, and a rare one costs one pass over the index, no table rows.
    """
    return column + 0 if isinstance(column.type, Integer) else column.concat("")


MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_DAY_MONTH = re.compile(r"^(\d{1,2})\s*([a-z]{3,9})\.?(?:\s+(\d{4}))?$")  # 23 Nov [2025]
_DAY_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")  # 23/11[/2025]


def typed_day(text: str) -> tuple[int, int, int | None] | None:
    """(day, month, year or None) when `text` is a date as the list shows it or as the office
    types one ("23 Nov", "23 November 2025", "23/11", "23/11/25"); else None."""
    text = text.strip().casefold()
    if match := _DAY_MONTH.match(text):
        day, name, year = match.groups()
        named = [i for i, full in enumerate(MONTHS, 1) if full.startswith(name)]
        if len(named) != 1 and name != "sept":  # "nov", "november"; not "novx"
            return None
        month = named[0] if named else 9
    elif match := _DAY_SLASH.match(text):
        day, typed_month, year = match.groups()
        month = int(typed_month)
    else:
        return None
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    if not 1 <= month <= 12 or not 1 <= int(day) <= 31:
        return None
    return int(day), month, full_year


def _on_day(session: Session, text: str) -> ColumnElement[bool] | None:
    """Visits on the London day typed, in the year typed or any year the list holds: ranges of
    `start` (the list index's first column), so no date function and no table rows."""
    typed = typed_day(text)
    if typed is None:
        return None
    day, month, year = typed
    if year is None:
        first, last = session.execute(select(func.min(Visit.start), func.max(Visit.start))).one()
        if first is None:
            return None
        years = range(first.year, last.year + 1)
    else:
        years = range(year, year + 1)
    ranges = []
    for each in years:
        try:
            start, end = london_day_bounds(date(each, month, day))
        except ValueError:  # 29 Feb in another year, 31 Nov
            continue
        ranges.append(and_(Visit.start >= start, Visit.start < end))
    return or_(*ranges) if ranges else None


def _purpose_label() -> ColumnElement[str]:
    """The purpose as the list shows it (its label; an 'other' one's own words), for sorting:
    columns of the list index only."""
    return case(
        (
            and_(Visit.purpose == Purpose.OTHER.value, Visit.purpose_other != ""),
            Visit.purpose_other,
        ),
        *((Visit.purpose == key.value, label) for key, label in PURPOSE_LABELS.items()),
        else_=Visit.purpose,
    )


SELECTIVE = 2_000  # a text filter matching up to this many visits reads them by their own indexes


@cache
def _descriptions_statement() -> Select[tuple[str]]:
    """The distinct 'other' descriptions containing :described (escaped with '/'): built once,
    as building the recursive statement costs more than running it."""
    other = Visit.purpose == Purpose.OTHER.value
    seen = select(func.min(Visit.purpose_other)).where(other).cte("described", recursive=True)
    after = (
        select(func.min(Visit.purpose_other))
        .where(other, Visit.purpose_other > seen.c[0])
        .scalar_subquery()
    )
    seen = seen.union_all(select(after).where(seen.c[0].is_not(None)))
    value = seen.c[0]
    typed = bindparam("described", type_=String())
    return select(value).where(value.is_not(None), value.icontains(typed, escape="/"))


def _descriptions(session: Session, text: str) -> list[str]:
    """The distinct words 'other' purposes were described in that contain `text` (any case).

    Found by a seek per distinct description (a skip scan of ix_visit_purpose_other), not a read
    of every 'other' visit: a school types the same few descriptions over thousands of visits.
    """
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return list(session.scalars(_descriptions_statement(), {"described": escaped}))


@dataclass(frozen=True, slots=True)
class _Term:
    """One way a visit can match the text: as a condition on the list index (walked in time
    order, for a broad match) and as the visit numbers its own index finds (a rare match)."""

    walk: ColumnElement[bool]
    seek: ColumnElement[bool]
    share: float = 0.0  # the part of all visits it is expected to match (0: not known)


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many visits, households and staff the database holds: what a term's share of the
    visits is estimated from (for choosing a plan only, so a figure some days old serves)."""

    visits: int
    households: int
    staff: int


def sizes(session: Session) -> Sizes:
    count = func.count()
    visits, homes, staff = session.execute(
        select(
            select(func.max(Visit.id)).scalar_subquery(),  # nothing is deleted: the last number
            select(count).select_from(Household).scalar_subquery(),
            select(count).select_from(Staff).scalar_subquery(),
        )
    ).one()
    return Sizes(visits or 0, homes or 0, staff or 0)


def _terms(session: Session, text: str, held: Sizes) -> list[_Term]:
    """Visits whose household, staff, purpose or status reads like `text` (any case).

    Households and staff are few: their matching ids are looked up first, so that every term
    is a column of the list index and has an index of its own.
    """
    homes = list(
        session.scalars(
            select(Household.id).where(
                or_(
                    Household.name.icontains(text, autoescape=True),
                    Household.address.icontains(text, autoescape=True),
                    Household.postcode.icontains(text, autoescape=True),
                )
            )
        )
    )
    people = list(
        session.scalars(select(Staff.id).where(Staff.name.icontains(text, autoescape=True)))
    )
    described = _descriptions(session, text)
    purposes = _labels_matching(text, PURPOSE_LABELS)
    statuses = _labels_matching(text, STATUS_LABELS)
    terms = []
    # only the terms that can match: an empty IN still costs a look-up on every row walked
    if described:
        terms.append(
            _Term(
                and_(
                    _unindexed(Visit.purpose) == Purpose.OTHER.value,
                    _unindexed(Visit.purpose_other).in_(described),
                ),
                and_(Visit.purpose == Purpose.OTHER.value, Visit.purpose_other.in_(described)),
            )
        )
    for column, values, among in (
        (Visit.household_id, homes, held.households),
        (Visit.lead_staff_id, people, held.staff),
        (Visit.companion_staff_id, people, held.staff),
        (Visit.purpose, purposes, 0),
        (Visit.status, statuses, 0),
    ):
        if values:
            # one expanding parameter for both forms: a broad search's hundreds of household
            # numbers are not checked value by value, twice, on every keystroke
            typed: BindParameter[Any] = bindparam(f"typed_{column.key}", values, expanding=True)
            share = len(values) / among if among else 0.0
            terms.append(_Term(_unindexed(column).in_(typed), column.in_(typed), share))
    on_day = _on_day(session, text)
    if on_day is not None:
        terms.append(_Term(on_day, on_day))
    return terms


def _few(session: Session, terms: Sequence[_Term], visits: int) -> bool:
    """True when the terms match at most SELECTIVE visits in all. Households and staff typed
    that are clearly a large part of the school (a postcode area, a common word) are broad
    without a count; otherwise one statement counts, each term read by its own index and the
    whole stopped at the limit, so a broad match costs one short count."""
    if sum(t.share for t in terms) * visits > BROAD * SELECTIVE:
        return False
    found = union_all(*(select(Visit.id).where(t.seek) for t in terms)).limit(SELECTIVE + 1)
    return (session.scalar(select(func.count()).select_from(found.subquery())) or 0) <= SELECTIVE


BROAD = 4  # expected to match this many times SELECTIVE: walked without counting


def _text_filter(session: Session, text: str, held: Sizes) -> ColumnElement[bool]:
    """The condition for visits matching `text`. A broad match walks the list index in the
    list's order (its first page is found at once); a rare one (or none: a walk of the whole
    decade) is found by each term's own index and the few visits sorted."""
    terms = _terms(session, text, held)
    if not terms:
        return false()
    if _few(session, terms, held.visits):
        found = union(*(select(Visit.id).where(t.seek) for t in terms))
        return Visit.id.in_(select(found.subquery().c[0]))
    return or_(*(t.walk for t in terms))


def _list_row(row: Sequence[Any]) -> VisitListRow:
    """A result row as a list row (no companion: an empty name, not None)."""
    visit_id, start, status, purpose, other, name, address, postcode, lead, companion = row
    return VisitListRow(
        visit_id, start, status, purpose, other, name, address, postcode, lead, companion or ""
    )


class VisitList(Service):
    def __init__(self, db: Database, clock: Clock) -> None:
        super().__init__(db, clock)
        self._sizes: Sizes | None = None  # read once, on the first text filter

    def _held(self, session: Session) -> Sizes:
        if self._sizes is None:
            self._sizes = sizes(session)
        return self._sizes

    def page(self, flt: VisitFilter, offset: int = 0, limit: int = PAGE_SIZE) -> list[VisitListRow]:
        """One page of the list, in the filter's order."""
        with self.db.read() as session:
            stmt = self._statement(session, flt, offset, limit)
            return [_list_row(row) for row in session.execute(stmt)]

    def _statement(
        self, session: Session, flt: VisitFilter, offset: int, limit: int
    ) -> Select[*tuple[Any, ...]]:
        """The page's visit numbers first (filters and order over the list index alone, no table
        rows read), then only those rows joined to their household and staff."""
        lead, companion = aliased(Staff), aliased(Staff)
        key = {
            SortKey.WHEN: Visit.start,
            SortKey.HOUSEHOLD: Household.name,
            SortKey.ADDRESS: Household.address,
            SortKey.PURPOSE: _purpose_label(),
            SortKey.STAFF: lead.name,
            SortKey.STATUS: Visit.status,
        }[flt.sort]
        # a household's (a lead's) visits kept together, in time order: the planner then walks
        # households (staff) in that order and each one's visits by index, with no sort of the
        # whole decade (2.5 s at 200,000 visits). Not under a text filter: its terms are columns
        # of the list index, and read visit by visit from the table the walk took 4 times longer.
        owner = None
        if not flt.text.strip():
            owner = {
                SortKey.HOUSEHOLD: Household.id,
                SortKey.ADDRESS: Household.id,
                SortKey.STAFF: lead.id,
            }.get(flt.sort)
        if flt.sort is SortKey.WHEN:
            order = [key, Visit.id]
        elif owner is not None:
            order = [key, owner, Visit.start, Visit.id]
        else:
            order = [key, Visit.start, Visit.id]
        ordering = [c.desc() if flt.descending else c.asc() for c in order]
        ids = select(Visit.id)
        if flt.sort in (SortKey.HOUSEHOLD, SortKey.ADDRESS):
            ids = ids.join(Household, Household.id == Visit.household_id)
        elif flt.sort is SortKey.STAFF:
            ids = ids.join(lead, lead.id == Visit.lead_staff_id)
        text = flt.text.strip()
        if flt.status:  # alone: its own index; with text: a column of the list index
            status = _unindexed(Visit.status) if text else Visit.status
            ids = ids.where(status == VisitStatus(flt.status).value)
        if text:
            ids = ids.where(_text_filter(session, text, self._held(session)))
        page = ids.order_by(*ordering).offset(offset).limit(limit).subquery()
        return (
            select(
                Visit.id,
                Visit.start,
                Visit.status,
                Visit.purpose,
                Visit.purpose_other,
                Household.name,
                Household.address,
                Household.postcode,
                lead.name,
                companion.name,
            )
            .join(page, page.c.id == Visit.id)
            .join(Household, Household.id == Visit.household_id)
            .join(lead, lead.id == Visit.lead_staff_id)
            .outerjoin(companion, companion.id == Visit.companion_staff_id)
            .order_by(*ordering)
        )
