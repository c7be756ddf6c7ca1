"""Foundation services: one transaction per use case, each with an audit Event; nothing deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, ValidationError
from hvdesk.models import Event, Household, Role, Staff
from hvdesk.policy import preset
from hvdesk.services.auth import AuthService, SignInFailed
from hvdesk.services.base import Actor
from hvdesk.services.households import HouseholdInput, HouseholdService, PupilInput
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import StaffInput, StaffService


def events(db, kind):
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind)))


def test_staff_create_edit_deactivate_with_audit(db, clock, office):
    svc = StaffService(db, clock)
    staff = svc.create(office, StaffInput(name="Jo Bloggs", mobile="07700 900123"))
    assert staff.id and staff.mobile == "+447700900123"
    svc.update(
        office, staff.id, StaffInput(name="Jo Bloggs", mobile="07700 900124", vehicle_colour="Red")
    )
    svc.set_active(office, staff.id, False)
    assert svc.list() == []
    assert [s.name for s in svc.list(include_inactive=True)] == ["Jo Bloggs"]
    edited = events(db, "staff_edited")[0]
    assert edited.user_name == "Sam Office"
    assert edited.data["mobile"] == ["+447700900123", "+447700900124"]
    assert events(db, "staff_created") and events(db, "staff_deactivated")


def test_bad_staff_saves_nothing(db, clock, office):
    svc = StaffService(db, clock)
    with pytest.raises(ValidationError):
        svc.create(office, StaffInput(name="X", mobile="123"))
    with db.read() as s:
        assert s.scalars(select(Staff)).all() == []
        assert s.scalars(select(Event)).all() == []


def test_first_user_needs_no_sign_in(tmp_path, clock):
    from hvdesk.db import Database
    from hvdesk.services.base import SYSTEM

    fresh = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    auth = AuthService(fresh, clock)
    assert not auth.has_users()
    auth.create_user(SYSTEM, "admin", "IT Admin", "admin", "password123")
    assert auth.sign_in("admin", "password123").role == "admin"
    fresh.dispose()


def test_visitor_cannot_add_staff(db, clock, visitor):
    with pytest.raises(NotAllowed, match="office"):
        StaffService(db, clock).create(visitor, StaffInput(name="X", mobile="07700 900123"))


def test_household_with_pupils_and_risk_history(db, clock, office):
    svc = HouseholdService(db, clock)
    h = svc.create(
        office,
        HouseholdInput(
            name="Begum family",
            address="14 Hill Street\nHarborne",
            postcode="b17 0ab",
            phone="0121 496 0000",
            pupils=[PupilInput("Aisha Begum", "Year 2")],
        ),
    )
    assert h.postcode == "B17 0AB" and [p.name for p in h.pupils] == ["Aisha Begum"]
    assert h.one_line_address == "14 Hill Street, Harborne, B17 0AB"
    svc.add_risk(office, h.id, "animals", "Large dog")
    h = svc.get(h.id)
    assert h.assessment_needs_review is True
    risk = h.risks[0]
    svc.end_risk(office, risk.id, "Dog rehomed")
    h = svc.get(h.id)
    assert h.risks[0].ended_at is not None  # kept as history
    with pytest.raises(ValidationError, match="Risk kind"):
        svc.add_risk(office, h.id, "ghosts", "boo")


def test_household_update_removes_pupil_softly_and_search(db, clock, office):
    svc = HouseholdService(db, clock)
    h = svc.create(
        office,
        HouseholdInput(
            name="Li family",
            address="2 Oak Rd",
            postcode="B17 8QE",
            pupils=[PupilInput("Kai Li", "Y1"), PupilInput("Mei Li", "Y3")],
        ),
    )
    data = HouseholdInput.from_household(h)
    data.pupils = [p for p in data.pupils if p.name == "Kai Li"]
    h = svc.update(office, h.id, data)
    assert sorted((p.name, p.active) for p in h.pupils) == [("Kai Li", True), ("Mei Li", False)]
    assert [x.name for x in svc.list(search="mei")] == ["Li family"]
    assert [x.name for x in svc.list(search="b17 8")] == ["Li family"]
    svc.set_active(office, h.id, False)
    assert svc.list() == []
    with db.read() as s:
        assert s.scalar(select(Household)).active is False


def test_auth_hashes_and_audits(db, clock, office):
    auth = AuthService(db, clock)
    assert auth.has_users()  # the office fixture is a real user
    admin = Actor(None, "IT Admin", Role.ADMIN.value)
    user = auth.create_user(admin, "head", "Linda Francis", "approver", "correct horse")
    assert user.password_hash.startswith("$argon2")
    actor = auth.sign_in("HEAD", "correct horse")
    assert actor.is_approver and actor.name == "Linda Francis"
    with pytest.raises(SignInFailed):
        auth.sign_in("head", "wrong")
    assert events(db, "sign_in_failed")
    with pytest.raises(ValidationError, match="taken"):
        auth.create_user(actor, "head", "Other", "office", "password1")
    with pytest.raises(NotAllowed):
        auth.create_user(office, "x2", "Other", "office", "password1")


def test_settings_preset_and_validation(db, clock, office, approver):
    svc = SettingsService(db, clock)
    assert not svc.is_configured()
    svc.apply_preset(office, "hampton")
    assert svc.policy().return_grace_min == 30
    svc.save_policy(office, svc.policy().with_changes(school_name="Our School"))
    with pytest.raises(NotAllowed, match=r"lone visits, .*minimum staff"):
        svc.apply_preset(office, "st_hughs")  # St Hugh's allows lone visits: weaker
    svc.apply_preset(approver, "st_hughs")
    assert svc.policy().school_name == "Our School"
    assert svc.policy().checkin_interval_min == 120
    with pytest.raises(ValidationError) as err:
        svc.save_policy(
            approver, preset("hampton").with_changes(checkin_interval_min=0, min_staff=1)
        )
    assert {e.field for e in err.value.errors} == {
        "Check-in interval while out (min)",
        "Minimum staff on a visit",
    }
    changes = events(db, "policy_changed")
    assert changes[0].data["preset"] == [None, "hampton"]
    assert changes[-1].data["preset"] == ["hampton", "st_hughs"]
    assert "lone_visits_allowed" in changes[-1].note


def test_office_cannot_weaken_safety_rules_but_can_tighten(db, clock, office, approver, visitor):
    from hvdesk.services.settings import weakened

    svc = SettingsService(db, clock)
    svc.apply_preset(office, "harborne")
    base = svc.policy()
    for change in (
        {"approval_required": False},
        {"dbs_required": False},
        {"checkin_interval_min": 480},
        {"office_call_after_start_min": None},
        {"min_staff": 1},
    ):
        with pytest.raises(NotAllowed, match="approver"):
            svc.save_policy(office, base.with_changes(**change))
        assert weakened(base, base.with_changes(**change))
    assert svc.policy() == base
    svc.save_policy(office, base.with_changes(checkin_interval_min=45, school_name="Ours"))
    svc.save_policy(approver, base.with_changes(checkin_interval_min=120))
    assert svc.policy().checkin_interval_min == 120
    with pytest.raises(NotAllowed):
        svc.save_policy(visitor, base)


def test_demo_school_has_every_state(demo_db, clock):
    from collections import Counter

    from hvdesk.services.visits import VisitQueries

    q = VisitQueries(demo_db, clock)
    counts = Counter(v.status for v in q.recent(1000))
    for status in (
        "draft",
        "awaiting_approval",
        "approved",
        "out",
        "on_site",
        "left_property",
        "returned",
        "completed",
        "rejected",
        "cancelled",
    ):
        assert counts[status] > 0, status
    assert len(q.out_now()) == 5
    assert len(HouseholdService(demo_db, clock).list(include_inactive=True)) == 30
    assert all(s.mobile.startswith("+447700900") for s in StaffService(demo_db, clock).list())


def test_school_details_validated(db, clock, office, tmp_path):
    svc = SettingsService(db, clock)
    with pytest.raises(ValidationError) as err:
        svc.save_school(office, {"phone": "12", "logo_path": str(tmp_path / "missing.png")})
    assert {e.field for e in err.value.errors} == {"School phone", "Logo"}
    (tmp_path / "logo.txt").write_text("x")
    with pytest.raises(ValidationError, match="PNG or JPG"):
        svc.save_school(office, {"logo_path": str(tmp_path / "logo.txt")})
    svc.save_school(office, {"phone": "0121 496 0123", "address": "Harborne Park Road"})
    assert svc.school()["phone"] == "+441214960123"
