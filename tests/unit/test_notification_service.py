"""Escalation contacts and the out-of-hours responsible contact as a person hvdesk can text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hvdesk.errors import HvdeskError, NotAllowed, ValidationError
from hvdesk.models import Event
from hvdesk.notify.config import NotifyConfig
from hvdesk.services.booking import BookingService
from hvdesk.services.notifications import ContactInput, NotificationService
from tests.unit.test_booking_service import at, form, school, svc  # noqa: F401  (fixtures)


@pytest.fixture
def notes(db, clock) -> NotificationService:
    return NotificationService(db, clock)


def test_contacts_are_validated_named_field_by_field(notes, office):
    with pytest.raises(ValidationError) as err:
        notes.save_contact(office, ContactInput(name="", mobile="0121 496 0000", email="nope"))
    fields = {e.field: e.message for e in err.value.errors}
    assert set(fields) == {"Name", "Mobile", "Email"}
    assert "landline" in fields["Mobile"] and "not an email address" in fields["Email"]
    with pytest.raises(ValidationError, match="enter a mobile or an email"):
        notes.save_contact(office, ContactInput(name="Linda Francis"))


def test_a_contact_whose_mobile_or_email_is_already_on_file_is_refused_naming_it(notes, office):
    linda = notes.save_contact(
        office, ContactInput("Linda Francis", "Headteacher", "07700 900789", "head@example.org")
    )
    with pytest.raises(ValidationError) as err:
        notes.save_contact(office, ContactInput("Head", "", "+44 7700 900789", "HEAD@example.org"))
    fields = {e.field: e.message for e in err.value.errors}
    assert fields["Mobile"].startswith("07700 900789 is already on file for Linda Francis")
    assert fields["Email"].startswith("HEAD@example.org is already on file for Linda Francis")
    assert [c.name for c in notes.contacts()] == ["Linda Francis"]  # nothing saved
    # Linda herself can be saved again, and once she is inactive the number may be reused.
    notes.save_contact(
        office, ContactInput("Linda Francis", "Head", "07700 900789", active=False), linda.id
    )
    notes.save_contact(office, ContactInput("Office mobile", "", "07700 900789"))


def test_contacts_in_order_moved_and_deactivated_each_audited(notes, office, db):
    a = notes.save_contact(office, ContactInput("Linda Francis", "Headteacher", "07700 900789"))
    b = notes.save_contact(office, ContactInput("Priya Shah", "DSL", email="dsl@example.org"))
    c = notes.save_contact(office, ContactInput("Office mobile", "", "07700900111"))
    assert a.mobile == "+447700900789" and [x.position for x in (a, b, c)] == [1, 2, 3]
    notes.move_contact(office, c.id, -1)
    assert [x.name for x in notes.contacts()] == ["Linda Francis", "Office mobile", "Priya Shah"]
    notes.save_contact(
        office, ContactInput("Linda Francis", "Headteacher", "07700 900789", active=False), a.id
    )
    assert [x.name for x in notes.contacts(include_inactive=False)] == [
        "Office mobile",
        "Priya Shah",
    ]
    with db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
    assert kinds.count("contact_saved") == 4 and "contacts_reordered" in kinds


def test_visitors_cannot_change_contacts_and_only_approvers_set_channels(notes, visitor, office):
    with pytest.raises(NotAllowed):
        notes.save_contact(visitor, ContactInput("X", mobile="07700900111"))
    with pytest.raises(NotAllowed):
        notes.save_config(office, NotifyConfig(smtp_host="smtp.example.org"))


def test_send_test_needs_a_channel_that_is_set_up(notes, office, approver):
    with pytest.raises(HvdeskError, match="SMS is not set up"):
        notes.send_test(office, "07700900789")
    notes.save_config(approver, NotifyConfig(smtp_host="127.0.0.1", smtp_from="a@b.org"))
    (row,) = notes.send_test(office, "head@example.org")
    assert row.status == "queued" and row.kind == "test" and row.channel == "email"


def test_out_of_hours_visit_names_a_person_with_a_mobile(svc, notes, office, school, db):  # noqa: F811
    nobile = notes.save_contact(office, ContactInput("Ann Home", email="ann@example.org"))
    ann = notes.save_contact(
        office, ContactInput("Ann Home", mobile="07700 900555", on_ladder=False)
    )
    data = form(svc, office, school, at(25, 18, 30), out_of_hours_reason="Father works days")
    data.responsible_contact_id = nobile.id
    check = svc.check(data)
    assert any(
        e.field == "Responsible contact" and "Ann Home has no mobile on file" in e.message
        for e in check.errors
    )
    data.responsible_contact_id = ann.id
    visit = BookingService(db, svc.clock).create(office, data)
    assert visit.responsible_contact_id == ann.id
    assert visit.responsible_contact == "Ann Home 07700 900555"  # readable where text is shown


def test_a_typed_responsible_contact_is_refused_out_of_hours(svc, office, school):  # noqa: F811
    data = form(svc, office, school, at(25, 18, 30), out_of_hours_reason="Father works days")
    data.responsible_contact = "Linda Francis 07700 900789"
    check = svc.check(data)
    assert not check.ok
    (error,) = [e for e in check.errors if e.field == "Responsible contact"]
    assert "'Linda Francis 07700 900789' cannot be texted" in error.message
    assert "Settings > Escalation contacts" in error.message
