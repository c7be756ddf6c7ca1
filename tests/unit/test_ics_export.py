"""Calendar export: an .ics round trip parsed back with icalendar, and nothing sensitive by default."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from hvdesk.errors import ValidationError
from hvdesk.models import Event, Household, Staff, Visit, VisitStatus
from hvdesk.services.ics_export import IcsExportService, default_file_name, ics_status, visit_uid
from hvdesk.services.settings import SettingsService

WEEK = (date(2026, 11, 23), date(2026, 11, 29))


def parse(path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def demo_visits(db, first: date, last: date, **where) -> list[Visit]:
    from hvdesk.clock import london_day_bounds

    start, _ = london_day_bounds(first)
    _, end = london_day_bounds(last)
    with db.read() as s:
        stmt = select(Visit).where(Visit.start >= start, Visit.start < end)
        for key, value in where.items():
            stmt = stmt.where(getattr(Visit, key) == value)
        return list(s.scalars(stmt))


def test_round_trip_every_visit_with_its_times(demo_db, clock, office, tmp_path):
    svc = IcsExportService(demo_db, clock)
    result = svc.export(office, tmp_path / "team.ics", first_day=WEEK[0], last_day=WEEK[1])
    expected = [
        v
        for v in demo_visits(demo_db, *WEEK)
        if v.status not in (VisitStatus.CANCELLED.value, VisitStatus.REJECTED.value)
    ]
    events = parse(result.path)
    assert result.count == len(expected) == len(events) > 10
    by_uid = {str(e["uid"]): e for e in events}
    for visit in expected:
        ev = by_uid[visit_uid(visit.id)]
        assert ev.decoded("dtstart") == visit.planned_departure
        assert ev.decoded("dtend") == visit.expected_return
        assert str(ev["status"]) == ics_status(visit.status)
        assert f"hvdesk visit {visit.id}" in str(ev["description"])
    assert result.message.startswith(f"Exported {result.count} visits for Whole team")


def test_default_export_carries_nothing_sensitive(demo_db, clock, office, tmp_path):
    result = IcsExportService(demo_db, clock).export(
        office, tmp_path / "team.ics", first_day=WEEK[0], last_day=WEEK[1]
    )
    text = result.path.read_text(encoding="utf-8")
    with demo_db.read() as s:
        households = list(s.scalars(select(Household)))
        staff = list(s.scalars(select(Staff)))
        notes = {v.pre_visit_notes for v in s.scalars(select(Visit)) if v.pre_visit_notes}
    unfolded = text.replace("\r\n ", "")
    for h in households:
        assert h.name not in unfolded and h.postcode not in unfolded
        assert h.phone[-6:] not in unfolded
    for p in staff:
        assert p.mobile[-6:] not in unfolded
        if p.vehicle_registration:
            assert p.vehicle_registration not in unfolded
    for note in notes:
        assert note not in unfolded
    events = parse(result.path)
    assert all(str(e["location"]) == "Home visit (address in hvdesk)" for e in events)
    assert all("Pupil:" not in str(e["description"]) for e in events)
    assert any("(lead)" in str(e["description"]) for e in events)  # staff names are the point


def test_school_may_choose_address_and_pupil(demo_db, clock, office, tmp_path):
    settings = SettingsService(demo_db, clock)
    settings.save_policy(
        office, settings.policy().with_changes(ics_include_address=True, ics_include_pupil=True)
    )
    result = IcsExportService(demo_db, clock).export(
        office, tmp_path / "team.ics", first_day=WEEK[0], last_day=WEEK[1]
    )
    events = parse(result.path)
    visit = demo_visits(demo_db, *WEEK, status=VisitStatus.APPROVED.value)[0]
    with demo_db.read() as s:
        household = s.get(Household, visit.household_id)
        pupil_name = visit.pupil_id and s.get(Visit, visit.id).pupil.name
    ev = next(e for e in events if str(e["uid"]) == visit_uid(visit.id))
    assert str(ev["location"]) == household.one_line_address
    assert household.name in str(ev["summary"])
    assert f"Pupil: {pupil_name}" in str(ev["description"])


def test_one_staff_member_and_cancelled_on_request(demo_db, clock, office, tmp_path):
    with demo_db.read() as s:
        jasmin = s.scalar(select(Staff).where(Staff.name == "Jasmin Patel"))
    svc = IcsExportService(demo_db, clock)
    first, last = WEEK[0] - timedelta(days=14), WEEK[1]
    result = svc.export(
        office,
        tmp_path / "jp.ics",
        first_day=first,
        last_day=last,
        staff_id=jasmin.id,
        include_cancelled=True,
    )
    events = parse(result.path)
    mine = [
        v
        for v in demo_visits(demo_db, first, last)
        if jasmin.id in (v.lead_staff_id, v.companion_staff_id)
    ]
    assert {str(e["uid"]) for e in events} == {visit_uid(v.id) for v in mine}
    cancelled = [e for e in events if str(e["status"]) == "CANCELLED"]
    assert cancelled and all(str(e["summary"]).startswith("[") for e in cancelled)
    cal = Calendar.from_ical(result.path.read_bytes())
    assert str(cal["x-wr-calname"]) == "Harborne Primary School home visits: Jasmin Patel"


def test_export_is_audited(demo_db, clock, office, tmp_path):
    IcsExportService(demo_db, clock).export(
        office, tmp_path / "team.ics", first_day=WEEK[0], last_day=WEEK[1]
    )
    with demo_db.read() as s:
        ev = s.scalars(select(Event).where(Event.kind == "calendar_exported")).one()
    assert ev.user_name == "Sam Office" and ev.data["file"] == "team.ics"
    assert ev.data["address"] is False and "Whole team" in ev.note


def test_bad_input_is_named(demo_db, clock, office, tmp_path):
    svc = IcsExportService(demo_db, clock)
    with pytest.raises(ValidationError) as err:
        svc.export(office, tmp_path / "team.txt", first_day=WEEK[1], last_day=WEEK[0])
    assert err.value.for_field("To").startswith("is before 'From'")
    assert "must end in .ics" in err.value.for_field("File")
    with pytest.raises(ValidationError, match="does not exist"):
        svc.export(office, tmp_path / "no" / "x.ics", first_day=WEEK[0], last_day=WEEK[1])
    with pytest.raises(ValidationError, match="three years"):
        svc.export(
            office, tmp_path / "x.ics", first_day=date(2026, 1, 1), last_day=date(2030, 1, 1)
        )


def test_file_name():
    assert (
        default_file_name("Zoë Brontë-Núñez", *WEEK)
        == "home-visits-zoe-bronte-nunez-20261123-20261129.ics"
    )
    assert default_file_name("Whole team", *WEEK) == "home-visits-whole-team-20261123-20261129.ics"
