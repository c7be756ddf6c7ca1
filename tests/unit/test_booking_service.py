"""BookingService on a real (temporary) database: create, submit, edit, move, locking, audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hvdesk.clock import from_london
from hvdesk.errors import NotFound, StateError, ValidationError
from hvdesk.models import EscalationContact, Event, Household, Pupil, Staff, Visit, VisitStatus
from hvdesk.policy import PolicySettings
from hvdesk.services.booking import BookingInput, BookingService
from hvdesk.services.settings import SettingsService
from hvdesk.services.visits import VisitQueries


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return from_london(datetime(2026, 11, day, hh, mm))


@pytest.fixture
def school(db, clock):
    """Three cleared staff, one who has left, one without DBS, and two families."""
    ids: dict[str, int] = {}
    with db.transaction() as s:
        for key, name, extra in (
            (
                "jp",
                "Jasmin Patel",
                {"vehicle_registration": "AB12 CDE", "business_insurance": True},
            ),
            ("ka", "Kamran Ahmed", {}),
            ("sm", "Sarah Mills", {}),
            ("gp", "Gareth Price", {"active": False}),
            ("bs", "Bethan Smith", {"dbs_date": None}),
        ):
            values = {
                "name": name,
                "mobile": "+447700900123",
                "dbs_type": "Enhanced with barred list",
                "dbs_date": date(2025, 3, 1),
                "active": True,
                "created_at": clock.now(),
            }
            values.update(extra)
            person = Staff(**values)
            s.add(person)
            s.flush()
            ids[key] = person.id
        for key, name, pupil in (
            ("begum", "Begum family", "Aisha Begum"),
            ("li", "Li family", "Kai Li"),
        ):
            h = Household(
                name=name,
                address="12 Hill Street\nHarborne",
                postcode="B17 0AB",
                active=True,
                created_at=clock.now(),
            )
            s.add(h)
            s.flush()
            p = Pupil(household_id=h.id, name=pupil, year_group="Year 3")
            s.add(p)
            s.flush()
            ids[key], ids[f"{key}_pupil"] = h.id, p.id
    return ids


@pytest.fixture
def svc(db, clock) -> BookingService:
    return BookingService(db, clock)


def form(svc: BookingService, office, school, start: datetime, **kw) -> BookingInput:
    data = svc.new_input(office, start)
    data.household_id = school["begum"]
    data.pupil_id = school["begum_pupil"]
    data.purpose = "attendance"
    data.lead_staff_id = school["jp"]
    data.companion_staff_id = school["ka"]
    data.vehicle_staff_id = school["jp"]
    for key, value in kw.items():
        setattr(data, key, value)
    return data


def events(db, visit_id: int) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.scalars(select(Event).where(Event.visit_id == visit_id).order_by(Event.id))
        return [(e.kind, e.user_name, e.note) for e in rows]


def approve(db, visit_id: int, approver) -> None:
    """Stand-in for the approval service (issue 3): just the state it leaves behind."""
    with db.transaction() as s:
        v = s.get(Visit, visit_id)
        v.status = VisitStatus.APPROVED.value
        v.approved_by_id = approver.user_id
        v.approved_at = at(24, 9)


def count_visits(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Visit.id)))


# --- create ---------------------------------------------------------------------------------
def test_new_input_has_policy_defaults_and_the_office_contact(svc, office):
    data = svc.new_input(office, at(25, 10))
    assert (data.planned_departure, data.start, data.end, data.expected_return) == (
        at(25, 9, 45),
        at(25, 10),
        at(25, 10, 45),
        at(25, 11),
    )
    assert data.office_contact == "Sam Office"
    assert svc.defaults(PolicySettings(default_duration_min=30), at(25, 10)).end == at(25, 10, 30)


def test_create_and_submit_writes_booked_and_submitted(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)), submit=True)
    assert visit.status == "awaiting_approval"
    assert visit.household.name == "Begum family" and visit.lead_staff.name == "Jasmin Patel"
    kinds = events(db, visit.id)
    assert [k for k, _u, _n in kinds] == ["booked", "submitted"]
    assert kinds[0][1] == "Sam Office" and "Begum family, Wed 25 Nov 2026 10:00" in kinds[0][2]
    assert "Headteacher" in kinds[1][2]


def test_create_as_draft(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)), submit=False)
    assert visit.status == "draft"
    assert [k for k, _u, _n in events(db, visit.id)] == ["booked"]


def test_create_trims_text_and_drops_other_text_for_a_listed_purpose(svc, office, school):
    data = form(
        svc, office, school, at(25, 10), purpose_other="stale", pre_visit_notes="  Gate sticks "
    )
    visit = svc.create(office, data)
    assert visit.purpose_other == "" and visit.pre_visit_notes == "Gate sticks"


def test_invalid_booking_saves_nothing_and_names_every_field(svc, office, school, db):
    data = form(svc, office, school, at(25, 10), end=at(25, 9, 50), companion_staff_id=school["gp"])
    with pytest.raises(ValidationError) as err:
        svc.create(office, data)
    assert err.value.for_field("End").startswith("09:50 is not after the start")
    assert "Gareth Price is deactivated" in err.value.for_field("Companion")
    assert count_visits(db) == 0
    with db.read() as s:
        assert s.scalar(select(func.count(Event.id))) == 0


def test_staff_without_dbs_cannot_be_booked(svc, office, school):
    with pytest.raises(ValidationError, match="Bethan Smith has no DBS check recorded"):
        svc.create(office, form(svc, office, school, at(25, 10), companion_staff_id=school["bs"]))


def test_double_booking_names_the_other_visit(svc, office, school, db):
    first = svc.create(office, form(svc, office, school, at(25, 10)))
    clash = form(
        svc,
        office,
        school,
        at(25, 10, 30),
        household_id=school["li"],
        pupil_id=school["li_pupil"],
        lead_staff_id=school["sm"],
        companion_staff_id=school["ka"],
        vehicle_staff_id=None,
    )
    with pytest.raises(ValidationError) as err:
        svc.create(office, clash)
    text = err.value.for_field("Companion")
    assert f"Kamran Ahmed is already booked on visit {first.id}, Begum family" in text
    assert count_visits(db) == 1
    # the slot frees up when the first visit is cancelled
    with db.transaction() as s:
        s.get(Visit, first.id).status = VisitStatus.CANCELLED.value
    assert svc.create(office, clash).id != first.id


def test_visit_in_the_past_is_refused(svc, office, school):
    with pytest.raises(ValidationError, match="is in the past"):
        svc.create(office, form(svc, office, school, at(24, 8, 30)))


def test_out_of_hours_needs_reason_and_contact_and_evening_warning_is_recorded(
    svc, office, school, db
):
    data = form(svc, office, school, at(25, 18, 30))
    with pytest.raises(ValidationError) as err:
        svc.create(office, data)
    assert {e.field for e in err.value.errors} == {"Out-of-hours reason", "Responsible contact"}
    data.out_of_hours_reason = "Father works days"
    with db.transaction() as s:
        linda = EscalationContact(
            name="Linda Francis",
            mobile="+447700900789",
            position=1,
            created_at=svc.clock.now(),
            updated_at=svc.clock.now(),
        )
        s.add(linda)
        s.flush()
        data.responsible_contact_id = linda.id
    check = svc.check(data)
    assert check.ok and check.evening and check.out_of_hours
    visit = svc.create(office, data)
    with db.read() as s:
        booked = s.scalars(
            select(Event).where(Event.visit_id == visit.id, Event.kind == "booked")
        ).one()
    assert any("evening" in w for w in booked.data["warnings"])


def test_check_does_not_save(svc, office, school, db):
    assert svc.check(form(svc, office, school, at(25, 10))).ok
    assert count_visits(db) == 0


# --- edit -----------------------------------------------------------------------------------
def test_small_edit_to_an_approved_visit_keeps_it_approved(svc, office, approver, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    approve(db, visit.id, approver)
    visit = VisitQueries(db, svc.clock).get(visit.id)
    data = BookingInput.from_visit(visit)
    data.pre_visit_notes = "Park on the main road"
    result = svc.update(office, visit.id, data, row_version=visit.row_version)
    assert result.visit.status == "approved" and not result.sent_back
    assert result.message == "Changed: notes."
    assert events(db, visit.id)[-1][0] == "edited"


def test_time_change_sends_an_approved_visit_back_and_says_so(svc, office, approver, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    approve(db, visit.id, approver)
    visit = VisitQueries(db, svc.clock).get(visit.id)
    data = BookingInput.from_visit(visit).with_times(svc.defaults(svc.policy(), at(25, 13, 30)))
    result = svc.update(office, visit.id, data, row_version=visit.row_version)
    assert result.sent_back and result.changes == ["time"]
    assert "gone back to the Headteacher for approval" in result.message
    assert result.visit.status == "awaiting_approval" and result.visit.approved_by_id is None
    assert [k for k, _u, _n in events(db, visit.id)][-2:] == ["edited", "sent_back_for_approval"]


def test_staff_or_household_change_also_sends_back(svc, office, approver, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    approve(db, visit.id, approver)
    visit = VisitQueries(db, svc.clock).get(visit.id)
    data = BookingInput.from_visit(visit)
    data.companion_staff_id = school["sm"]
    data.household_id, data.pupil_id = school["li"], school["li_pupil"]
    result = svc.update(office, visit.id, data, row_version=visit.row_version)
    assert result.changes == ["staff", "household"]
    assert "the staff and household changed" in result.message


def test_no_send_back_when_the_policy_needs_no_approval(svc, office, approver, school, db, clock):
    SettingsService(db, clock).save_policy(office, PolicySettings(approval_required=False))
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    approve(db, visit.id, approver)
    result = svc.move(office, visit.id, at(25, 14), row_version=2)
    assert not result.sent_back and result.visit.status == "approved"


def test_edit_of_awaiting_visit_stays_awaiting(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    data = BookingInput.from_visit(visit).with_times(svc.defaults(svc.policy(), at(25, 11)))
    result = svc.update(office, visit.id, data, row_version=visit.row_version)
    assert result.visit.status == "awaiting_approval" and not result.sent_back


def test_unchanged_edit_writes_nothing(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    result = svc.update(
        office, visit.id, BookingInput.from_visit(visit), row_version=visit.row_version
    )
    assert result.message == "Nothing was changed."
    assert len(events(db, visit.id)) == 2
    assert result.visit.row_version == visit.row_version


def test_stale_edit_from_another_seat_is_refused_clearly(svc, office, approver, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    seat_a = BookingInput.from_visit(visit)
    seat_b = BookingInput.from_visit(visit)
    seat_b.pre_visit_notes = "Dog in the garden"
    svc.update(approver, visit.id, seat_b, row_version=visit.row_version)
    seat_a.office_contact = "Reception desk"
    with pytest.raises(StateError) as err:
        svc.update(office, visit.id, seat_a, row_version=visit.row_version)
    text = str(err.value)
    assert f"Visit {visit.id} was changed on another seat after you opened it" in text
    assert "edited by Linda Francis" in text and "Nothing was saved" in text
    assert VisitQueries(db, svc.clock).get(visit.id).office_contact == "Sam Office"


def test_a_past_visit_can_have_notes_fixed_but_not_be_moved_into_the_past(
    svc, office, school, db, clock
):
    visit = svc.create(office, form(svc, office, school, at(24, 10)))
    clock.advance(timedelta(hours=2))  # 11:00: the start has passed, nobody departed yet
    data = BookingInput.from_visit(visit)
    data.pre_visit_notes = "Rang: family rearranging"
    assert svc.update(office, visit.id, data, row_version=1).message == "Changed: notes."
    with pytest.raises(ValidationError, match="in the past"):
        svc.move(office, visit.id, at(24, 10, 30), row_version=2)


def test_visits_under_way_or_finished_cannot_be_edited(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    with db.transaction() as s:
        s.get(Visit, visit.id).status = VisitStatus.OUT.value
    with pytest.raises(StateError, match="running late"):
        svc.move(office, visit.id, at(25, 11), row_version=2)
    with db.transaction() as s:
        s.get(Visit, visit.id).status = VisitStatus.CANCELLED.value
    with pytest.raises(StateError, match="is cancelled"):
        svc.move(office, visit.id, at(25, 11), row_version=3)


def test_unknown_visit(svc, office):
    with pytest.raises(NotFound):
        svc.move(office, 999, at(25, 11), row_version=1)


# --- move -----------------------------------------------------------------------------------
def test_move_keeps_length_and_travel_and_records_moved(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    result = svc.move(office, visit.id, at(26, 14, 15), row_version=visit.row_version)
    v = result.visit
    assert (v.planned_departure, v.start, v.end, v.expected_return) == (
        at(26, 14),
        at(26, 14, 15),
        at(26, 15),
        at(26, 15, 15),
    )
    assert result.message == "Moved to Thu 26 Nov 2026 14:15."
    kind, user, note = events(db, visit.id)[-1]
    assert (kind, user) == ("moved", "Sam Office") and "Thu 26 Nov 2026 14:15" in note


def test_moving_an_approved_visit_sends_it_back(svc, office, approver, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    approve(db, visit.id, approver)
    preview = svc.preview_move(visit.id, at(25, 14))
    assert preview.sends_back and preview.check.ok and preview.changes == ["time"]
    assert "gone back to the Headteacher" in preview.message
    result = svc.move(office, visit.id, at(25, 14), row_version=2)
    assert result.sent_back and result.visit.status == "awaiting_approval"
    assert [k for k, _u, _n in events(db, visit.id)][-2:] == ["moved", "sent_back_for_approval"]


def test_move_into_a_clash_is_refused_and_names_the_other_visit(svc, office, school, db):
    a = svc.create(office, form(svc, office, school, at(25, 10)))
    b = svc.create(office, form(svc, office, school, at(25, 14)))
    preview = svc.preview_move(b.id, at(25, 10, 15))
    assert not preview.check.ok
    assert f"on visit {a.id}, Begum family" in preview.check.errors[0].message
    with pytest.raises(ValidationError, match=f"on visit {a.id}"):
        svc.move(office, b.id, at(25, 10, 15), row_version=b.row_version)
    assert VisitQueries(db, svc.clock).get(b.id).start == at(25, 14)


def test_move_across_lanes_hands_the_visit_over(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    result = svc.move(
        office,
        visit.id,
        at(25, 10),
        row_version=1,
        reassign_from=school["jp"],
        reassign_to=school["sm"],
    )
    assert result.visit.lead_staff_id == school["sm"]
    assert result.visit.vehicle_staff_id is None  # Jasmin's car went with her
    assert result.message.startswith("Moved")


def test_move_onto_the_same_spot_changes_nothing(svc, office, school):
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    assert svc.move(office, visit.id, at(25, 10), row_version=1).message == "Nothing was changed."


# --- submit ---------------------------------------------------------------------------------
def test_submit_a_draft(svc, office, school, db):
    visit = svc.create(office, form(svc, office, school, at(25, 10)), submit=False)
    result = svc.submit(office, visit.id, row_version=visit.row_version)
    assert result.visit.status == "awaiting_approval"
    assert "sent to the Headteacher for approval" in result.message
    assert [k for k, _u, _n in events(db, visit.id)] == ["booked", "submitted"]
    with pytest.raises(StateError, match="only a draft"):
        svc.submit(office, visit.id)


def test_submit_rechecks_a_stale_draft(svc, office, school, db, clock):
    visit = svc.create(office, form(svc, office, school, at(24, 10)), submit=False)
    clock.advance(timedelta(hours=2))
    with pytest.raises(ValidationError, match="in the past"):
        svc.submit(office, visit.id)
    with pytest.raises(StateError, match="another seat"):
        svc.submit(office, visit.id, row_version=7)


def test_optimistic_lock_also_catches_a_write_between_load_and_save(
    svc, office, school, db, monkeypatch
):
    """Another seat commits after this transaction read the row: SQLAlchemy's version check."""
    visit = svc.create(office, form(svc, office, school, at(25, 10)))
    original = svc._check

    def sneaky(session, data, visit_id, policy, *, times_changed):
        with db.engine.begin() as other_seat:
            other_seat.execute(
                update(Visit).where(Visit.id == visit.id).values(row_version=Visit.row_version + 1)
            )
        return original(session, data, visit_id, policy, times_changed=times_changed)

    monkeypatch.setattr(svc, "_check", sneaky)
    with pytest.raises(StateError, match="changed on another seat"):
        svc.move(office, visit.id, at(25, 13), row_version=1)


# --- calendar projection --------------------------------------------------------------------
def test_calendar_items_only_the_range_with_filters(svc, office, school, db):
    a = svc.create(office, form(svc, office, school, at(25, 10)))
    b = svc.create(
        office,
        form(
            svc,
            office,
            school,
            at(26, 10),
            lead_staff_id=school["sm"],
            companion_staff_id=None,
            vehicle_staff_id=None,
            purpose="induction",
            lone_visit_reason="Doorstep",
        ),
    )
    q = VisitQueries(db, svc.clock)
    items = q.calendar_items(at(25, 0), at(26, 0))
    assert [i.id for i in items] == [a.id]
    item = items[0]
    assert (item.household_name, item.lead_name, item.companion_name) == (
        "Begum family",
        "Jasmin Patel",
        "Kamran Ahmed",
    )
    both = q.calendar_items(at(25, 0), at(27, 0))
    assert [i.id for i in both] == [a.id, b.id]
    assert both[1].companion_staff_id is None and both[1].companion_name == ""
    assert [i.id for i in q.calendar_items(at(25, 0), at(27, 0), staff_id=school["ka"])] == [a.id]
    assert [i.id for i in q.calendar_items(at(25, 0), at(27, 0), purposes=["induction"])] == [b.id]
