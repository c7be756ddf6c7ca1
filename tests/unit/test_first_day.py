"""The first-day steps tick themselves off from the data, and a school with visits is past it."""

from __future__ import annotations

from hvdesk.models import Role
from hvdesk.services.base import SYSTEM
from hvdesk.services.first_day import FirstDayService
from hvdesk.services.households import HouseholdInput, HouseholdService
from hvdesk.services.printing import PrintService
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import StaffInput, StaffService
from tests.conftest import _user


def done(service: FirstDayService) -> set[str]:
    return {s.key for s in service.steps() if s.done}


def test_each_step_is_done_only_when_the_data_says_so(db, clock, make_visit):
    first = FirstDayService(db, clock)
    admin = _user(db, "admin", "Ann Admin", Role.ADMIN)
    assert done(first) == set() and not first.all_done() and not first.past_first_day()

    SettingsService(db, clock).apply_preset(SYSTEM, "st_hughs")
    assert done(first) == {"policy"}
    assert next(s for s in first.steps() if s.key == "policy").detail.startswith("St Hugh")

    staff = StaffService(db, clock)
    one = staff.create(admin, StaffInput(name="Jo Khan", mobile="07700 900123"))
    assert "staff" not in done(first)  # visits go in pairs
    two = staff.create(admin, StaffInput(name="Sam Reid", mobile="07700 900124"))
    assert "staff" in done(first)

    home = HouseholdService(db, clock).create(
        admin, HouseholdInput(name="Walsh family", address="4 Elm Close", postcode="B17 9NS")
    )
    assert "households" in done(first)

    _user(db, "head", "Linda Francis", Role.APPROVER)
    assert "users" not in done(first)  # the office needs a sign-in too
    _user(db, "office", "Sam Office", Role.OFFICE)
    assert "users" in done(first)

    printing = PrintService(db, clock)
    printing.make(admin, "lone-working", staff_id=one.id)
    printing.make(admin, "lone-working", staff_id=one.id)  # a reprint is still one person
    assert "forms" not in done(first)  # Sam has not had his yet
    assert next(s for s in first.steps() if s.key == "forms").detail == "1 of 2 printed"
    printing.make(admin, "lone-working", staff_id=two.id)
    assert first.all_done()

    make_visit(household_id=home.id, lead_id=one.id)
    assert first.past_first_day()
