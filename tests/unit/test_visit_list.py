"""The Visits screen's list: filters, order and pages done by the database, any history size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text, update

from hvdesk.clock import london
from hvdesk.models import Household, Purpose, Staff, Visit, VisitStatus
from hvdesk.services import visit_list
from hvdesk.services.visit_list import SortKey, VisitFilter, VisitList
from tests.conftest import SCHOOL_MORNING


@pytest.fixture
def school(db, clock):
    """Three households, three staff, 60 visits a day apart, newest first by id too."""
    with db.transaction() as s:
        homes = [
            Household(name=n, address=a, postcode=p, created_at=SCHOOL_MORNING)
            for n, a, p in (
                ("Okafor family", "1 Hill St\nHarborne", "B17 0AB"),
                ("Nowak family", "2 Oak Rd", "B29 6QT"),
                ("Smith 100%_family", "3 Elm Cl", "B17 9XY"),
            )
        ]
        people = [
            Staff(name=n, mobile="+447700900123", active=True, created_at=SCHOOL_MORNING)
            for n in ("Jasmin Patel", "Kofi Ahmed", "Rhys Wood")
        ]
        s.add_all([*homes, *people])
        s.flush()
        rows = []
        for i in range(60):
            start = SCHOOL_MORNING - timedelta(days=60 - i)
            rows.append(
                {
                    "household_id": homes[i % 3].id,
                    "purpose": Purpose.OTHER.value if i == 7 else Purpose.ATTENDANCE.value,
                    "purpose_other": "Delivering a laptop" if i == 7 else "",
                    "planned_departure": start,
                    "start": start,
                    "end": start + timedelta(minutes=45),
                    "expected_return": start + timedelta(hours=1),
                    "lead_staff_id": people[i % 3].id,
                    "companion_staff_id": people[(i + 1) % 3].id if i % 2 else None,
                    "status": (
                        VisitStatus.CANCELLED if i % 10 == 0 else VisitStatus.COMPLETED
                    ).value,
                    "created_at": start,
                    "updated_at": start,
                }
            )
        s.execute(insert(Visit), rows)
    return VisitList(db, clock)


def ids(rows):
    return [r.id for r in rows]


def test_pages_follow_each_other_newest_first_without_gaps(school):
    first = school.page(VisitFilter(), 0, 25)
    second = school.page(VisitFilter(), 25, 25)
    last = school.page(VisitFilter(), 50, 25)
    starts = [r.start for r in first + second + last]
    assert len(starts) == 60 and len(last) == 10
    assert starts == sorted(starts, reverse=True)
    assert len(set(ids(first + second + last))) == 60


def test_status_filter_is_exact_and_paged(school):
    rows = school.page(VisitFilter(status="cancelled"), 0, 100)
    assert len(rows) == 6 and {r.status for r in rows} == {"cancelled"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("okafor", 20),  # household name, any case
        ("B17", 40),  # postcode of two households
        ("hill st", 20),  # address
        ("kofi", 30),  # lead (20) or companion (10)
        ("laptop", 1),  # an 'other' purpose's own words
        ("attendance", 59),  # a purpose's label
        ("cancel", 6),  # a status's label
        ("100%_", 20),  # LIKE wildcards are taken literally
        ("%", 20),
        ("nobody at all", 0),
    ],
)
def test_text_filter_matches_what_the_row_shows(school, text, expected):
    rows = school.page(VisitFilter(text=text), 0, 100)
    assert len(rows) == expected


def test_text_and_status_together(school):
    rows = school.page(VisitFilter(text="okafor", status="cancelled"), 0, 100)
    assert rows and all(r.household_name == "Okafor family" for r in rows)
    assert {r.status for r in rows} == {"cancelled"}


def test_rows_read_as_the_screen_shows_them(school):
    row = next(r for r in school.page(VisitFilter(text="laptop"), 0, 10))
    assert row.purpose_label == "Delivering a laptop"
    okafor = school.page(VisitFilter(text="okafor"), 0, 1)[0]
    assert okafor.one_line_address == "1 Hill St, Harborne, B17 0AB"
    assert " + " in okafor.staff_names or okafor.companion_name == ""


@pytest.mark.parametrize("key", list(SortKey))
def test_every_column_sorts_in_the_database_both_ways(school, key):
    up = school.page(VisitFilter(sort=key, descending=False), 0, 100)
    down = school.page(VisitFilter(sort=key, descending=True), 0, 100)
    assert ids(up) == list(reversed(ids(down)))
    value = {
        SortKey.WHEN: lambda r: r.start,
        SortKey.HOUSEHOLD: lambda r: r.household_name,
        SortKey.ADDRESS: lambda r: r.address,
        SortKey.PURPOSE: lambda r: r.purpose_label,  # as the column reads, not the stored code
        SortKey.STAFF: lambda r: r.lead_name,
        SortKey.STATUS: lambda r: r.status,
    }[key]
    assert [value(r) for r in up] == sorted(value(r) for r in up)


def test_purpose_sorts_by_the_words_on_screen(school, db):
    """By stored code 'induction' comes before 'meeting_parents'; on screen 'Meeting parents at
    home' comes before 'Reception / new-starter induction', and an 'other' purpose reads as its
    own words ('Delivering a laptop', before both)."""
    with db.transaction() as s:
        s.execute(update(Visit).where(Visit.id % 5 == 1).values(purpose=Purpose.INDUCTION.value))
        s.execute(
            update(Visit).where(Visit.id % 5 == 2).values(purpose=Purpose.MEETING_PARENTS.value)
        )
    rows = school.page(VisitFilter(sort=SortKey.PURPOSE, descending=False), 0, 100)
    labels = [r.purpose_label for r in rows]
    assert labels == sorted(labels)
    assert labels.index("Meeting parents at home") < labels.index(
        "Reception / new-starter induction"
    )


@pytest.mark.parametrize("typed", ["DAY MON", "DAY/MM", "DAY MONTH", "DAY/MM/YYYY"])
def test_a_typed_date_finds_that_days_visits(school, typed):
    newest = school.page(VisitFilter(), 0, 1)[0]
    day = london(newest.start)
    text = (
        typed.replace("DAY", str(day.day))
        .replace("MONTH", f"{day:%B}")
        .replace("MON", f"{day:%b}")
        .replace("MM", f"{day.month:02d}")
        .replace("YYYY", f"{day.year}")
    )
    rows = school.page(VisitFilter(text=text), 0, 100)
    assert ids(rows) == [newest.id]  # one visit a day in this school


def test_a_text_filter_walks_the_list_index_not_a_table_scan(school, db, monkeypatch):
    """The plan that keeps any filter flat at 200,000 visits (bench/bench_visits.py times it):
    a broad match (here more than 10 visits) walks the list index in the list's order."""
    monkeypatch.setattr(visit_list, "SELECTIVE", 10)
    with db.read() as s:
        stmt = school._statement(s, VisitFilter(text="okafor"), 0, 200)
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(r[3] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "COVERING INDEX ix_visit_list" in plan, plan


@pytest.mark.parametrize("key", [SortKey.HOUSEHOLD, SortKey.ADDRESS, SortKey.STAFF])
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_household_address_or_staff_reads_in_order_not_sorting_every_visit(
    school, db, key, descending
):
    """2.5 s at 200,000 visits when every visit was joined and sorted; read in order by index,
    the first page is a few hundred rows' work."""
    with db.read() as s:
        stmt = school._statement(s, VisitFilter(sort=key, descending=descending), 0, 200)
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        inner = sql[sql.index("(SELECT") + 1 : sql.index(") AS anon_1")]
        plan = " | ".join(r[3] for r in s.execute(text("EXPLAIN QUERY PLAN " + inner)))
    assert "TEMP B-TREE" not in plan, plan
    assert "_start" in plan, plan  # each household's (lead's) visits by index, in time order


def test_a_rare_text_match_is_read_by_its_own_indexes_not_a_walk_of_every_visit(school, db):
    """A household with a few visits (or none) in a decade: a walk of the list index would
    read all 200,000 entries; its own index finds the few, which are then sorted."""
    with db.read() as s:
        stmt = school._statement(s, VisitFilter(text="okafor"), 0, 200)
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(r[3] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_visit_household_start (household_id=?)" in plan, plan
    assert "SCAN visit" not in plan, plan


TYPED = ["okafor", "B17", "hill st", "kofi", "laptop", "attendance", "cancel", "100%_", "%", "zz"]


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("status", [None, "cancelled"])
@pytest.mark.parametrize("key", [SortKey.WHEN, SortKey.HOUSEHOLD, SortKey.STAFF])
def test_a_text_filter_gives_the_same_rows_walked_or_read_by_index(
    school, monkeypatch, typed, status, key
):
    """Whichever way the visits are found, the rows and their order are the same, page by page."""
    flt = VisitFilter(text=typed, status=status, sort=key)
    monkeypatch.setattr(visit_list, "SELECTIVE", 10_000)
    by_index = [ids(school.page(flt, offset, 7)) for offset in range(0, 63, 7)]
    monkeypatch.setattr(visit_list, "SELECTIVE", 0)
    walked = [ids(school.page(flt, offset, 7)) for offset in range(0, 63, 7)]
    assert by_index == walked


def test_an_other_purpose_is_found_by_its_words_among_many_descriptions(school, db):
    """Each distinct description is found by a seek (ix_visit_purpose_other), so it is the
    same visits as reading every 'other' visit's words: any case, wildcards taken literally."""
    with db.transaction() as s:
        s.execute(
            update(Visit)
            .where(Visit.id % 4 == 1)
            .values(purpose=Purpose.OTHER.value, purpose_other="Welfare check 50%")
        )
    with db.read() as s:
        others = s.execute(select(Visit.id, Visit.purpose_other).where(Visit.purpose == "other"))
        expected = sorted(i for i, words in others if "welfare check 50%" in words.lower())
    assert expected
    assert sorted(ids(school.page(VisitFilter(text="WELFARE check 50%"), 0, 100))) == expected
    assert ids(school.page(VisitFilter(text="check 5_%"), 0, 100)) == []


def test_the_list_index_exists_after_migrating(db):
    with db.read() as s:
        names = set(s.scalars(select(text("name")).select_from(text("sqlite_master"))))
    assert {"ix_visit_list", "ix_visit_status_start", "ix_visit_purpose"} <= names
    assert {"ix_visit_purpose_other", "ix_visit_companion_start"} <= names


def test_a_clearly_broad_text_is_walked_without_counting_its_visits(school, db, monkeypatch):
    """A postcode area or a common word typed (most households): the walk finds its first page
    at once, so no statement first counts its visits (that count made broad filters slower than
    before the rare-match plan); a household that may be rare is still counted, once."""
    from sqlalchemy import event

    monkeypatch.setattr(visit_list, "SELECTIVE", 5)
    assert school.page(VisitFilter(text="zzz"), 0, 10) == []  # (the screen's sizes read once)
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        seen.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        broad = school.page(VisitFilter(text="b17"), 0, 10)  # 2 of 3 homes: 40 of 60 visits
        counted_broad = [s for s in seen if "count(*)" in s]
        seen.clear()
        school.page(VisitFilter(text="nowak"), 0, 10)  # 1 home: perhaps rare, so counted
        counted_rare = [s for s in seen if "count(*)" in s]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(broad) == 10
    assert counted_broad == []
    assert len(counted_rare) == 1
