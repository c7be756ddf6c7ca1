"""Lone working assessments: signing, staying current, the masked safe word and its audited reveal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, NotFound, StateError, ValidationError
from hvdesk.models import Event, Role, Staff
from hvdesk.services.base import Actor
from hvdesk.services.lone_working import MASK, LoneWorkingInput, LoneWorkingService
from hvdesk.services.staff import StaffInput, StaffService

TODAY = date(2026, 11, 24)


@pytest.fixture
def svc(db, clock) -> LoneWorkingService:
    return LoneWorkingService(db, clock)


@pytest.fixture
def jo(db, clock, office) -> int:
    return (
        StaffService(db, clock)
        .create(office, StaffInput(name="Jo Bloggs", mobile="07700 900123"))
        .id
    )


def signed(word="bluebell", when=TODAY, **changes) -> LoneWorkingInput:
    data = LoneWorkingInput("07700 900123", word, word, when, True)
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def events(db, kind):
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind)))


def test_sign_and_it_is_current_with_the_word_hidden(svc, db, office, jo):
    assert svc.status(jo).state == "none" and svc.status(jo).text == "✗ None on file"
    status = svc.record(office, jo, signed())
    assert status.state == "current" and status.signed_on == TODAY
    assert status.expires_on == date(2027, 11, 24) and status.safe_word == MASK
    assert status.mobile == "+447700900123"
    assert "bluebell" not in repr(status) and "bluebell" not in repr(svc.overview())
    [ev] = events(db, "lone_working_signed")
    assert ev.staff_id == jo and "bluebell" not in ev.note and "bluebell" not in str(ev.data)
    assert "(hidden)" in ev.note


def test_bad_input_names_each_field_and_saves_nothing(svc, db, office, jo):
    bad = LoneWorkingInput("0121 496 0000", "help", "help ", TODAY + timedelta(days=1), False)
    with pytest.raises(ValidationError) as caught:
        svc.record(office, jo, bad)
    err = caught.value
    assert "landline" in err.for_field("Mobile")
    assert "ordinary calls" in err.for_field("Safe word")
    assert "in the future" in err.for_field("Signed on")
    assert "I have read and understand" in err.for_field("Declaration")
    with pytest.raises(ValidationError) as caught:
        svc.record(office, jo, signed(confirm_safe_word="bluebel"))
    assert "does not match" in caught.value.for_field("Confirm safe word")
    with pytest.raises(ValidationError, match="already be out of date"):
        svc.record(office, jo, signed(when=date(2025, 11, 1)))
    with pytest.raises(ValidationError, match="own name"):
        svc.record(office, jo, signed(word="Bloggs"))
    assert svc.history(jo) == [] and events(db, "lone_working_signed") == []


def test_kept_current_due_soon_then_out_of_date(svc, db, clock, office, jo):
    svc.record(office, jo, signed())
    clock.advance(timedelta(days=340))
    assert svc.status(jo).state == "due_soon" and svc.status(jo).text.startswith("⚠ Renew by")
    clock.advance(timedelta(days=30))
    status = svc.status(jo)
    assert status.state == "expired" and not status.is_current
    assert status.text == "✗ Out of date since 24 Nov 2027"
    svc.record(office, jo, signed(word="kestrel", when=clock.now().date()))
    assert svc.status(jo).state == "current"
    assert [h.signed_on for h in svc.history(jo)] == [date(2027, 11, 29), TODAY]


def test_reveal_only_to_office_or_approver_and_audited(svc, db, office, approver, visitor, jo):
    svc.record(office, jo, signed())
    revealed = svc.reveal_safe_word(office, jo, "Duress drill")
    assert revealed.safe_word == "bluebell" and revealed.current
    assert svc.reveal_safe_word(approver, jo).safe_word == "bluebell"
    with pytest.raises(NotAllowed, match="office or approver"):
        svc.reveal_safe_word(visitor, jo)
    with pytest.raises(NotAllowed):
        svc.reveal_safe_word(Actor(None, "IT", Role.ADMIN.value), jo)
    forged = Actor(visitor.user_id, visitor.name, Role.OFFICE.value)
    with pytest.raises(NotAllowed, match="signed-in office user or approver"):
        svc.reveal_safe_word(forged, jo)
    reveals = events(db, "safe_word_revealed")
    assert [e.user_name for e in reveals] == ["Sam Office", "Linda Francis"]
    assert all(e.staff_id == jo and "bluebell" not in e.note for e in reveals)
    assert reveals[0].note == "Safe word for Jo Bloggs revealed to Sam Office: Duress drill"


def test_reveal_without_assessment_says_how_to_fix(svc, office, jo):
    with pytest.raises(NotFound, match="record one from the Staff screen"):
        svc.reveal_safe_word(office, jo)


def test_visiting_staff_sign_their_own_only(svc, db, clock, office, visitor, jo):
    from hvdesk.models import UserAccount

    other = StaffService(db, clock).create(
        office, StaffInput(name="Jasmin Patel", mobile="07700 900456")
    )
    with db.transaction() as s:
        s.get(UserAccount, visitor.user_id).staff_id = other.id
    svc.record(visitor, other.id, signed(word="harbour", mobile="07700 900456"))
    with pytest.raises(NotAllowed, match="sign their own"):
        svc.record(visitor, jo, signed())


def test_deactivated_staff_cannot_sign(svc, db, clock, office, jo):
    StaffService(db, clock).set_active(office, jo, False)
    with pytest.raises(StateError, match="reactivate"):
        svc.record(office, jo, signed())
    assert [s.staff_name for s in svc.overview(include_inactive=True)] == ["Jo Bloggs"]
    assert svc.overview() == []


def test_overview_over_demo_staff(demo_db, clock):
    overview = LoneWorkingService(demo_db, clock).overview()
    with demo_db.read() as s:
        active = s.scalars(select(Staff).where(Staff.active.is_(True))).all()
    assert len(overview) == len(active)
    assert {o.state for o in overview} <= {"current", "due_soon", "none"}
    assert any(o.state == "none" for o in overview)  # demo: two staff have none on file


def test_texting_pin_is_hashed_never_shown_and_kept_across_signatures(svc, db, office, jo):
    from hvdesk.models import LoneWorkingAssessment
    from hvdesk.services.lone_working import pin_matches

    status = svc.record(office, jo, signed(pin="4821", confirm_pin="4821"))
    assert status.has_pin and "4821" not in repr(status)
    [ev] = events(db, "lone_working_signed")
    assert "texting PIN set (hidden)" in ev.note and "4821" not in ev.note + str(ev.data)
    with db.read() as s:
        row = s.scalars(select(LoneWorkingAssessment)).one()
    assert row.pin_hash.startswith("$argon2") and "4821" not in row.pin_hash
    assert pin_matches(row.pin_hash, "4821") and not pin_matches(row.pin_hash, "4822")
    assert not pin_matches("", "4821") and not pin_matches(row.pin_hash, None)
    # a new signature without a PIN keeps the PIN already set
    svc.record(office, jo, signed(word="snowdrop"))
    with db.read() as s:
        newest = s.scalars(
            select(LoneWorkingAssessment).order_by(LoneWorkingAssessment.id.desc())
        ).first()
    assert pin_matches(newest.pin_hash, "4821")
    # and it can be changed without signing again
    assert svc.set_pin(office, jo, "7305", "7305").has_pin
    with db.read() as s:
        newest = s.get(LoneWorkingAssessment, newest.id)
    assert pin_matches(newest.pin_hash, "7305") and not pin_matches(newest.pin_hash, "4821")
    [changed] = events(db, "text_pin_set")
    assert changed.note == "Jo Bloggs: texting PIN changed (hidden)"


@pytest.mark.parametrize(
    ("pin", "confirm", "field", "message"),
    [
        ("48a1", "48a1", "Texting PIN", "exactly 4 digits"),
        ("48210", "48210", "Texting PIN", "exactly 4 digits"),
        ("1234", "1234", "Texting PIN", "first PINs anyone would try"),
        ("0000", "0000", "Texting PIN", "first PINs anyone would try"),
        ("4821", "4812", "Confirm texting PIN", "does not match"),
    ],
)
def test_a_bad_pin_names_the_field_and_the_fix(svc, office, jo, pin, confirm, field, message):
    with pytest.raises(ValidationError) as caught:
        svc.record(office, jo, signed(pin=pin, confirm_pin=confirm))
    assert message in caught.value.for_field(field)
    assert svc.status(jo).state == "none"  # nothing half-saved


def test_setting_a_pin_needs_an_assessment_and_the_right_person(svc, db, office, visitor, jo):
    with pytest.raises(ValidationError, match="is required"):
        svc.set_pin(office, jo, "", "")
    with pytest.raises(NotFound, match="no lone working assessment"):
        svc.set_pin(office, jo, "4821", "4821")
    svc.record(office, jo, signed())
    with pytest.raises(NotAllowed):
        svc.set_pin(visitor, jo, "4821", "4821")  # not their own record
