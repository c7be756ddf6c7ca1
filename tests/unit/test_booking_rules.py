"""Booking rules without a database: every validation, clashes, drag maths, overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from hvdesk.clock import from_london, london
from hvdesk.models import EscalationContact, Household, LoneWorkingAssessment, Pupil, Staff
from hvdesk.policy import PolicySettings, preset
from hvdesk.rules import booking as b
from hvdesk.rules.booking import BookingInput, BookingTimes, VisitSlot

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tue, GMT
POLICY = PolicySettings()  # Harborne


def at(day: int, hh: int, mm: int = 0, month: int = 11) -> datetime:
    return from_london(datetime(2026, month, day, hh, mm))


def person(sid: int, name: str, **kw) -> Staff:
    values = dict(
        id=sid,
        name=name,
        mobile="+447700900123",
        dbs_type="Enhanced with barred list",
        dbs_date=date(2025, 1, 10),
        active=True,
        vehicle_registration="AB12 CDE",
        business_insurance=True,
    )
    values.update(kw)
    return Staff(**values)


JP = person(1, "Jasmin Patel")
KA = person(2, "Kamran Ahmed")
STAFF = {1: JP, 2: KA}


def family(**kw) -> Household:
    values = dict(
        id=10, name="Begum family", address="12 Hill Street", postcode="B17 0AB", active=True
    )
    values.update(kw)
    h = Household(**values)
    h.pupils = [
        Pupil(id=100, household_id=10, name="Aisha Begum", year_group="Year 3", active=True)
    ]
    return h


def proposal(**kw) -> BookingInput:
    times = b.default_times(POLICY, at(25, 10, 0))
    data = BookingInput(
        household_id=10,
        pupil_id=100,
        purpose="attendance",
        lead_staff_id=1,
        companion_staff_id=2,
        vehicle_staff_id=1,
        office_contact="Sam Office",
    ).with_times(times)
    for key, value in kw.items():
        setattr(data, key, value)
    return data


def run(data: BookingInput | None = None, **kw) -> b.BookingCheck:
    args = dict(policy=POLICY, now=NOW, household=family(), staff=STAFF, others=[])
    args.update(kw)
    return b.check_booking(data or proposal(), **args)


def fields(check: b.BookingCheck) -> set[str]:
    return {e.field for e in check.errors}


def message(check: b.BookingCheck, field: str) -> str:
    return " | ".join(e.message for e in check.errors if e.field == field)


def slot(vid: int, start: datetime, lead: int = 1, companion: int | None = 2, **kw) -> VisitSlot:
    t = b.default_times(POLICY, start)
    values = dict(
        id=vid,
        household_name="Campbell family",
        purpose="safe_and_well",
        purpose_other="",
        planned_departure=t.planned_departure,
        start=t.start,
        end=t.end,
        expected_return=t.expected_return,
        lead_staff_id=lead,
        companion_staff_id=companion,
        status="approved",
    )
    values.update(kw)
    return VisitSlot(**values)


# --- defaults and the happy path ----------------------------------------------------------------
def test_defaults_come_from_the_policy():
    t = b.default_times(POLICY, at(25, 10))
    assert t.start == at(25, 10)
    assert t.end - t.start == timedelta(minutes=45)
    assert t.start - t.planned_departure == timedelta(minutes=15)
    assert t.expected_return - t.end == timedelta(minutes=15)
    longer = b.default_times(
        POLICY.with_changes(default_duration_min=60, default_travel_min=30), at(25, 10)
    )
    assert (longer.planned_departure, longer.expected_return) == (at(25, 9, 30), at(25, 11, 30))


def test_a_good_booking_passes_cleanly():
    check = run()
    assert check.ok, check.errors
    assert check.warnings == []
    assert not (check.out_of_hours or check.evening or check.lone)


# --- times --------------------------------------------------------------------------------------
def test_end_before_start_names_end_and_the_fix():
    check = run(proposal(end=at(25, 9, 50)))
    assert "End" in fields(check)
    assert "09:50 is not after the start (10:00)" in message(check, "End")


def test_end_equal_to_start_is_refused():
    assert "End" in fields(run(proposal(end=at(25, 10))))


def test_return_before_end():
    check = run(proposal(expected_return=at(25, 10, 30)))
    assert message(check, "Expected return").startswith(
        "10:30 is before the end of the visit (10:45)"
    )


def test_departure_after_start():
    check = run(proposal(planned_departure=at(25, 10, 5)))
    assert "after the start" in message(check, "Planned departure")


def test_departure_equal_to_start_is_allowed_on_foot_next_door():
    assert run(proposal(planned_departure=at(25, 10))).ok


def test_overlong_and_overnight_visits_are_refused():
    assert "same day" in message(run(proposal(end=at(25, 19), expected_return=at(25, 19))), "End")
    overnight = proposal(end=at(26, 1), expected_return=at(26, 1, 15))
    assert "End" in fields(run(overnight))


def test_travel_over_three_hours_is_questioned():
    assert "Planned departure" in fields(run(proposal(planned_departure=at(25, 6, 30))))
    assert "Expected return" in fields(run(proposal(expected_return=at(25, 14))))


def test_missing_times_are_each_named():
    check = run(proposal(start=None, expected_return=None))
    assert {"Start", "Expected return"} <= fields(check)
    assert "is required" in message(check, "Start")


def test_visit_in_the_past_is_refused():
    t = b.default_times(POLICY, at(24, 8, 30))
    check = run(proposal().with_times(t))
    assert "Tue 24 Nov 2026 08:30 is in the past" in message(check, "Start")


def test_departure_already_passed_is_a_warning_only():
    t = BookingTimes(at(24, 8, 50), at(24, 9, 10), at(24, 9, 55), at(24, 10, 10))
    check = run(proposal().with_times(t))
    assert check.ok
    assert any(
        n.field == "Planned departure" and "already passed" in n.message for n in check.warnings
    )


def test_past_rule_skipped_when_an_edit_leaves_the_times_alone():
    t = b.default_times(POLICY, at(24, 8, 30))
    assert run(proposal().with_times(t), times_changed=False).ok


# --- clashes ------------------------------------------------------------------------------------
def test_double_booked_staff_names_the_other_visit():
    other = slot(42, at(25, 10, 30), lead=2, companion=None)
    check = run(others=[other])
    assert fields(check) == {"Companion"}
    text = message(check, "Companion")
    assert (
        "Kamran Ahmed is already booked on visit 42, Campbell family (Safe and well check)" in text
    )
    assert "Wed 25 Nov 10:30–11:15" in text and "away from school 10:15–11:30" in text
    assert "choose another time or another member of staff" in text
    assert [c.other.id for c in check.clashes] == [42]


def test_both_staff_clashing_gives_two_errors():
    check = run(others=[slot(42, at(25, 9, 30))])
    assert [e.field for e in check.errors] == ["Lead staff", "Companion"]


def test_travel_time_counts_towards_a_clash():
    # other visit starts 11:00, so leaves 10:45; ours is back at 11:00: they overlap in travel
    assert not run(others=[slot(42, at(25, 11))]).ok
    # leaves at 11:00 exactly when we are back: no clash
    assert run(others=[slot(42, at(25, 11, 15))]).ok


def test_cancelled_rejected_and_own_visit_never_clash():
    others = [
        slot(41, at(25, 10), status="cancelled"),
        slot(42, at(25, 10), status="rejected"),
        slot(43, at(25, 10)),
    ]
    assert run(others=others, visit_id=43).ok


def test_other_staff_do_not_clash():
    assert run(others=[slot(42, at(25, 10), lead=3, companion=4)]).ok


# --- staff --------------------------------------------------------------------------------------
def test_lead_is_required():
    assert "choose who leads" in message(run(proposal(lead_staff_id=None)), "Lead staff")


def test_inactive_staff_cannot_be_assigned():
    gone = person(3, "Gareth Price", active=False)
    check = run(proposal(companion_staff_id=3, vehicle_staff_id=None), staff={1: JP, 3: gone})
    assert "Gareth Price is deactivated" in message(check, "Companion")


def test_staff_without_dbs_cannot_be_assigned():
    none = person(3, "Bethan Smith", dbs_date=None)
    old = person(4, "Tom Lee", dbs_date=date(2021, 1, 1))
    check = run(
        proposal(lead_staff_id=3, companion_staff_id=4, vehicle_staff_id=None),
        staff={3: none, 4: old},
    )
    assert "Bethan Smith has no DBS check recorded" in message(check, "Lead staff")
    assert "Tom Lee's DBS check (01 Jan 2021) is older than 3 years" in message(check, "Companion")


def test_dbs_not_required_by_policy():
    none = person(3, "Bethan Smith", dbs_date=None)
    data = proposal(lead_staff_id=3, vehicle_staff_id=None)
    relaxed = POLICY.with_changes(dbs_required=False)
    assert run(data, staff={3: none, 2: KA}, policy=relaxed).ok


def test_companion_cannot_be_the_lead():
    assert "same person" in message(run(proposal(companion_staff_id=1)), "Companion")


def test_unknown_staff_id():
    assert "no staff member with id 9" in message(run(proposal(lead_staff_id=9)), "Lead staff")


def test_lone_visit_hampton_never():
    check = run(proposal(companion_staff_id=None), policy=preset("hampton"))
    assert "not permitted to undertake home visits on their own" in message(check, "Companion")


def test_lone_visit_harborne_needs_reason_and_warns():
    check = run(proposal(companion_staff_id=None))
    assert check.lone
    assert "say why, for the Headteacher's decision" in message(check, "Lone visit reason")
    assert any("lone visit needs the Headteacher's decision" in n.message for n in check.warnings)
    assert any("no current Lone Working Risk Assessment" in n.message for n in check.warnings)
    fixed = run(proposal(companion_staff_id=None, lone_visit_reason="Doorstep drop-off of work"))
    assert fixed.ok


def test_lone_visit_with_signed_assessment_does_not_warn_about_it():
    signed = person(1, "Jasmin Patel")
    signed.lone_working = [
        LoneWorkingAssessment(
            mobile="+447700900123", safe_word="kestrel", signed_on=date(2026, 6, 1)
        )
    ]
    check = run(proposal(companion_staff_id=None, lone_visit_reason="Doorstep"), staff={1: signed})
    assert not any("Lone Working Risk Assessment" in n.message for n in check.notices)


def test_lone_visit_fine_where_one_person_is_the_minimum():
    """No approver decision where one is the minimum, but still the signed lone working
    assessment (St Hugh's: before any lone working)."""
    signed = person(1, "Jasmin Patel")
    signed.lone_working = [
        LoneWorkingAssessment(signed_on=date(2026, 9, 1), mobile="+447700900123", safe_word="x")
    ]
    check = run(proposal(companion_staff_id=None), policy=preset("st_hughs"), staff={1: signed})
    assert check.ok and not check.lone and check.warnings == []


# --- vehicle ------------------------------------------------------------------------------------
def test_vehicle_must_belong_to_someone_on_the_visit():
    assert "someone on this visit" in message(run(proposal(vehicle_staff_id=7)), "Vehicle")


def test_vehicle_needs_a_registration_and_warns_without_insurance():
    walker = person(2, "Bethan Smith", vehicle_registration="")
    assert "no vehicle recorded" in message(
        run(proposal(vehicle_staff_id=2), staff={1: JP, 2: walker}), "Vehicle"
    )


def test_business_insurance_warning_only_where_the_policy_asks_harrogate_pupil_transported():
    """Harrogate 2.6: insurance must cover business use 'if they are transporting a student'.
    Nobody else asks, and Harrogate does not ask when no pupil rides in the car."""
    from hvdesk.policy import preset

    uninsured = {1: JP, 2: person(2, "Kamran Ahmed", business_insurance=False)}

    def warned(policy: PolicySettings, transported: bool) -> bool:
        data = proposal(vehicle_staff_id=2, pupil_transported=transported)
        check = run(data, staff=uninsured, policy=policy)
        assert check.ok
        return any("business-use insurance" in n.message for n in check.warnings)

    assert warned(preset("harrogate"), True)
    assert not warned(preset("harrogate"), False)
    for name in ("harborne", "st_hughs", "hampton", "thomas_more"):
        assert not warned(preset(name), True), name
        assert not warned(preset(name), False), name
    insured = proposal(vehicle_staff_id=1, pupil_transported=True)
    assert not run(insured, policy=preset("harrogate")).warnings


def test_thomas_more_outside_agency_companion_needs_name_organisation_and_phone():
    from hvdesk.policy import preset

    tm = preset("thomas_more")
    lone = proposal(companion_staff_id=None, lone_visit_reason="")
    full = proposal(
        companion_staff_id=None,
        companion_agency_name="Ann Lee",
        companion_agency_org="Early Help",
        companion_agency_phone="07700 900111",
    )
    assert run(lone, policy=tm).lone
    check = run(full, policy=tm)
    assert check.ok and not check.lone
    part = proposal(companion_staff_id=None, companion_agency_name="Ann Lee")
    assert "organisation and phone" in message(run(part, policy=tm), "Outside-agency companion")
    both = proposal(
        companion_agency_name="Ann Lee",
        companion_agency_org="X",
        companion_agency_phone="07700 900111",
    )
    assert "not both" in message(run(both, policy=tm), "Outside-agency companion")
    assert "does not accept" in message(run(full), "Outside-agency companion")  # Harborne


def test_thomas_more_parent_present_unless_attendance():
    from hvdesk.policy import preset

    tm = preset("thomas_more")

    def said(purpose: str, policy: PolicySettings = tm) -> bool:
        check = run(proposal(purpose=purpose), policy=policy)
        return any("parent or carer is present" in n.message for n in check.notices)

    assert said("safe_and_well") and said("meeting_parents")
    assert not said("attendance")
    assert not said("safe_and_well", POLICY)


def test_lone_working_assessment_required_before_any_lone_working_st_hughs():
    from hvdesk.models import LoneWorkingAssessment
    from hvdesk.policy import preset

    sh = preset("st_hughs")
    alone = proposal(companion_staff_id=None)
    assert any("Lone Working Risk Assessment" in n.message for n in run(alone, policy=sh).warnings)
    signed = person(1, "Jasmin Patel")
    signed.lone_working = [
        LoneWorkingAssessment(signed_on=date(2026, 9, 1), mobile="+447700900123", safe_word="x")
    ]
    check = run(alone, policy=sh, staff={1: signed, 2: KA})
    assert not any("Lone Working Risk Assessment" in n.message for n in check.warnings)


def test_on_foot_is_fine():
    assert run(proposal(vehicle_staff_id=None)).ok


# --- hours --------------------------------------------------------------------------------------
def test_outside_school_hours_needs_reason_and_responsible_contact():
    t = b.default_times(POLICY, at(25, 16, 30))
    check = run(proposal().with_times(t))
    assert check.out_of_hours
    assert "outside school hours (08:30–16:00 on weekdays)" in message(check, "Out-of-hours reason")
    assert "check on staff welfare" in message(check, "Responsible contact")
    fixed = proposal(out_of_hours_reason="Dad works shifts", responsible_contact_id=LINDA.id)
    check = run(fixed.with_times(t), responsible=LINDA)
    assert check.ok and any("outside school hours" in n.message for n in check.warnings)


LINDA = EscalationContact(id=7, name="Linda Francis", mobile="+447700900789", active=True)


def test_a_typed_responsible_contact_is_refused_out_of_hours_as_it_cannot_be_texted():
    t = b.default_times(POLICY, at(25, 16, 30))
    typed = proposal(out_of_hours_reason="Dad works shifts", responsible_contact="L. Francis 0770")
    check = run(typed.with_times(t))
    said = message(check, "Responsible contact")
    assert "the typed 'L. Francis 0770' cannot be texted" in said
    assert "choose who will check on staff welfare" in said and "a person with a mobile" in said
    in_hours = run(proposal(responsible_contact="L. Francis 0770"))
    assert in_hours.ok  # the rule is the out-of-hours one: a typed name in hours is just text


def test_weekend_is_out_of_hours():
    t = b.default_times(POLICY, at(28, 11))  # Saturday
    assert {"Out-of-hours reason", "Responsible contact"} <= fields(run(proposal().with_times(t)))


def test_evening_is_a_warning():
    t = b.default_times(POLICY, at(25, 18, 15))
    data = proposal(out_of_hours_reason="Only time mum is home", responsible_contact_id=LINDA.id)
    check = run(data.with_times(t), responsible=LINDA)
    assert check.ok and check.evening
    assert any("evening home visits are strongly discouraged" in n.message for n in check.warnings)


def test_out_of_hours_only_warns_when_the_policy_does_not_need_a_reason():
    t = b.default_times(POLICY, at(25, 16, 30))
    relaxed = POLICY.with_changes(out_of_hours_needs_reason=False)
    check = run(proposal().with_times(t), policy=relaxed)
    assert check.ok and check.warnings


# --- household, pupil, purpose, text ------------------------------------------------------------
def test_household_is_required_and_must_be_active():
    assert "search for the family" in message(
        run(proposal(household_id=None), household=None), "Household"
    )
    assert "deactivated" in message(run(household=family(active=False)), "Household")
    assert "no household with id 10" in message(run(household=None), "Household")


def test_pupil_required_and_from_the_household():
    assert "which pupil" in message(run(proposal(pupil_id=None)), "Pupil")
    assert "not a pupil of the Begum family" in message(run(proposal(pupil_id=999)), "Pupil")
    h = family()
    h.pupils[0].active = False
    assert "has left" in message(run(household=h), "Pupil")


def test_household_without_pupils_needs_none():
    h = family()
    h.pupils = []
    assert run(proposal(pupil_id=None), household=h).ok


def test_purpose_rules():
    assert "is required" in message(run(proposal(purpose="")), "Purpose")
    assert "not a purpose" in message(run(proposal(purpose="tea")), "Purpose")
    assert "describe the purpose" in message(run(proposal(purpose="other")), "Other purpose")
    assert run(proposal(purpose="other", purpose_other="Return a lost coat")).ok


def test_office_contact_required_and_text_limits():
    assert "office contact" in message(run(proposal(office_contact=" ")), "Office contact")
    assert "too long" in message(
        run(proposal(pre_visit_notes="x" * 5000)), "Notes before the visit"
    )


def test_unannounced_warns_unless_for_a_concern():
    assert run(proposal(announced=False)).warnings == []
    check = run(proposal(announced=False, purpose="induction"))
    assert any("unannounced visits are for attendance" in n.message for n in check.warnings)


def test_social_worker_and_review_are_notes_not_warnings():
    h = family(social_worker_name="Dana Whitfield", assessment_needs_review=True)
    check = run(household=h)
    assert check.ok and check.warnings == []
    notes = " ".join(n.message for n in check.notices)
    assert "Dana Whitfield" in notes and "reviewed before the visit is approved" in notes


def test_commute_visit_warns_where_it_needs_approval():
    check = run(proposal(on_way_to_from_work=True), policy=preset("hampton"))
    assert any("Head of School's prior approval" in n.message for n in check.warnings)


def test_every_error_is_reported_at_once():
    data = BookingInput()
    check = run(data, household=None, staff={})
    assert {"Household", "Purpose", "Start", "Lead staff", "Office contact"} <= fields(check)


# --- moving, material changes, overdue ----------------------------------------------------------
def test_moved_to_keeps_length_and_travel():
    t = b.default_times(POLICY, at(25, 10))
    moved = t.moved_to(at(26, 14, 30))
    assert moved.start == at(26, 14, 30)
    assert moved.end - moved.start == t.end - t.start
    assert moved.start - moved.planned_departure == timedelta(minutes=15)


def test_drop_start_snaps_to_the_quarter_hour_and_keeps_travel():
    t = b.default_times(POLICY, at(25, 10))  # block top (departure) at 09:45
    # block top dropped at 13:52 -> start 14:07 -> snaps to 14:00
    assert b.drop_start(t, date(2026, 11, 27), 13 * 60 + 52) == at(27, 14)
    assert b.drop_start(t, date(2026, 11, 27), 13 * 60 + 54) == at(27, 14, 15)


def test_drop_start_is_london_wall_time_across_the_clock_change():
    t = b.default_times(POLICY, from_london(datetime(2026, 10, 23, 10)))  # BST
    start = b.drop_start(t, date(2026, 10, 26), 9 * 60 + 45)  # GMT after 25 Oct
    assert london(start).time() == time(10, 0) and start.hour == 10
    summer = b.drop_start(t, date(2026, 10, 22), 9 * 60 + 45)
    assert london(summer).time() == time(10, 0) and summer.hour == 9


def test_move_to_day_keeps_clock_time():
    t = b.default_times(POLICY, at(25, 14, 45))
    assert b.move_to_day(t, date(2026, 12, 2)) == from_london(datetime(2026, 12, 2, 14, 45))


def test_reassign_hands_the_visit_to_another_lane():
    assert b.reassign(1, 2, 1, 5) == (5, 2)
    assert b.reassign(1, 2, 2, 5) == (1, 5)
    assert b.reassign(1, 2, 1, 2) == (1, 2)  # already on it
    assert b.reassign(1, None, 3, 5) == (1, None)  # not theirs to hand over


def test_material_changes():
    before = proposal().values()
    assert b.material_changes(before, proposal(pre_visit_notes="Gate sticks").values()) == []
    assert b.material_changes(before, proposal(pupil_id=101).values()) == []
    later = proposal().with_times(b.default_times(POLICY, at(25, 11))).values()
    assert b.material_changes(before, later) == ["time"]
    assert b.material_changes(before, proposal(companion_staff_id=3, household_id=11).values()) == [
        "staff",
        "household",
    ]
    assert b.describe_changes(["time", "staff", "household"]) == "the time, staff and household"


@pytest.mark.parametrize(
    ("status", "minutes_after_return", "grace", "expected"),
    [
        ("out", 1, 0, True),
        ("on_site", 1, 0, True),
        ("left_property", 31, 30, True),
        ("left_property", 30, 30, False),
        ("out", -5, 0, False),
        ("approved", 60, 0, False),
        ("returned", 60, 0, False),
        ("cancelled", 60, 0, False),
    ],
)
def test_overdue_badge(status, minutes_after_return, grace, expected):
    back = at(24, 10)
    now = back + timedelta(minutes=minutes_after_return)
    policy = POLICY.with_changes(return_grace_min=grace)
    assert b.is_overdue(status, back, now, policy) is expected


def test_names_for_blocks():
    assert b.short_name("Jasmin Patel") == "J. Patel"
    assert b.initials("Jasmin Patel") == "JP"
    assert b.initials("Zoë Brontë-Núñez") == "ZB"
    assert b.initials("Cher") == "CH"
