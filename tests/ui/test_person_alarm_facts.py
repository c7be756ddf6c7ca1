"""The vehicle row of an alarm window about a person agrees with her police sheet: the car each
visit out went in, or with no visit out her own car from the staff record, or 'No car on record'.
Never a guess about how she travels (built from plain objects: no database, no Qt)."""

from __future__ import annotations

from datetime import UTC, datetime

from hvdesk.models import Alarm, Household, Staff, Visit
from hvdesk.policy import PolicySettings
from hvdesk.services.alarms import AlarmDetail
from hvdesk.services.whereabouts import Whereabouts
from ui.tracker import person_alarm

AT = datetime(2026, 11, 24, 10, 41, tzinfo=UTC)


def _jasmin(**car: str) -> Staff:
    return Staff(id=1, name="Jasmin Patel", mobile="+447700900123", job_title="Teacher", **car)


TOM = Staff(
    id=2,
    name="Tom Reed",
    mobile="+447700900456",
    vehicle_registration="AB12 CDE",
    vehicle_make="Ford",
    vehicle_model="Fiesta",
    vehicle_colour="Blue",
)


def _visit(family: str, lead: Staff, car: Staff | None) -> Visit:
    home = Household(name=family, address="1 Hill St\nBirmingham", postcode="B17 0AB")
    return Visit(household=home, lead_staff=lead, vehicle_staff=car, expected_return=AT)


def _detail(who: Staff, visits: list[Visit]) -> AlarmDetail:
    alarm = Alarm(id=7, visit_id=None, staff_id=who.id, level="duress", reason="", raised_at=AT)
    where = "2 visits out" if visits else "no visit out; last known: at school"
    return AlarmDetail(
        alarm=alarm,
        visit=None,
        policy=PolicySettings(),
        last_contact=None,
        steps=[],
        approvers=[],
        school_phone="",
        person=Whereabouts(staff=who, mobile="07700 900123", visits=visits, where=where),
    )


def _facts(who: Staff, visits: list[Visit]) -> dict[str, str]:
    return person_alarm.facts(_detail(who, visits))


def test_with_no_visit_out_and_no_car_on_her_record_it_says_so():
    assert _facts(_jasmin(), [])["vehicle"] == "No car on record"


def test_with_no_visit_out_it_names_her_own_car_from_the_staff_record():
    jasmin = _jasmin(vehicle_registration="XY34 ZZZ", vehicle_make="Kia", vehicle_colour="Red")
    assert _facts(jasmin, [])["vehicle"] == (
        "Own car (staff record): Red Kia XY34 ZZZ (driver Jasmin Patel)"
    )


def test_with_two_visits_out_each_visit_names_the_car_it_went_in():
    jasmin = _jasmin(vehicle_registration="XY34 ZZZ", vehicle_make="Kia", vehicle_colour="Red")
    visits = [_visit("Clarke family", jasmin, TOM), _visit("Ahmed family", jasmin, None)]
    assert _facts(jasmin, visits)["vehicle"] == (
        "Clarke family: Blue Ford Fiesta AB12 CDE (driver Tom Reed)\n"
        "Ahmed family: None recorded (on foot or public transport)"
    )


def test_the_windows_sheet_gives_each_visits_car_and_not_her_own():
    jasmin = _jasmin(vehicle_registration="XY34 ZZZ", vehicle_make="Kia", vehicle_colour="Red")
    visits = [_visit("Clarke family", jasmin, TOM), _visit("Ahmed family", jasmin, None)]
    sheet = person_alarm.police_sheet_html(_detail(jasmin, visits), "Harborne Primary School", "")
    assert "Blue Ford Fiesta AB12 CDE (driver Tom Reed)" in sheet
    assert "None recorded (on foot or public transport)" in sheet  # the Ahmed visit: no car
    assert "XY34 ZZZ" not in sheet  # her own car stayed at school


def test_one_visit_out_is_said_in_the_singular():
    from ui.tracker.person_alarm import _visits_out

    assert [_visits_out(n) for n in (0, 1, 2)] == [
        "No visit out",
        "1 visit out: none chosen",
        "2 visits out: none chosen",
    ]
