"""The full ladder with real parts: a local SMTP server and SMS gateway stand-in, on a fake clock.

Raised at T (10:00 in the story), nobody takes it, T+2 the first contact is texted and emailed,
T+4 the second, taken at T+5, and both get 'handled by ... at ...'.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hvdesk.clock import fmt_time
from hvdesk.models import Event, OutboxMessage
from hvdesk.notify.monitor import Monitor
from hvdesk.services.alarms import AlarmService
from tests.notifykit import Gateway, SmtpServer, add_contact, configure, first_lapse, visit_out

MIN = timedelta(minutes=1)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def gateway(httpserver):
    gw = Gateway()
    httpserver.expect_request(
        "/2010-04-01/Accounts/AC0123456789/Messages.json", method="POST"
    ).respond_with_handler(gw.handler)
    return gw


@pytest.fixture
def school(db, clock, smtp, gateway, httpserver, monkeypatch, tmp_path):
    monkeypatch.setenv("HVDESK_SMS_TOKEN", "test-token")
    monkeypatch.setenv("HVDESK_SECRETS_FILE", str(tmp_path / "secrets.json"))
    configure(db, clock, smtp_port=smtp.port, gateway_url=httpserver.url_for("/"))
    head = add_contact(db, clock, "Linda Francis", "+447700900789", "head@example.org", 1)
    dsl = add_contact(db, clock, "Priya Shah", "+447700900321", "dsl@example.org", 2)
    return head, dsl


def test_the_full_ladder_reaches_people_in_order_and_tells_them_it_is_handled(
    db, clock, office, school, smtp, gateway
):
    visit_id = visit_out(db, clock, office)
    monitor = Monitor(db, clock, beat_s=0)
    clock.set(first_lapse(db, clock))
    raised_at = clock.now()
    report = monitor.tick()
    assert report.holds_lease and report.raised == 1
    assert gateway.sent == [] and smtp.messages == []  # nobody outside is told at once

    clock.advance(2 * MIN)
    monitor.tick()
    assert len(gateway.to("+447700900789")) == 1 and gateway.to("+447700900321") == []
    assert len(smtp.to("head@example.org")) == 1 and smtp.to("dsl@example.org") == []
    text = gateway.to("+447700900789")[0]
    assert "Jasmin Patel and Tom Lee" in text and "14 Hill Street, Harborne, B17 0AB" in text
    assert "Blue Ford Fiesta AB12 CDE" in text and "Ladder step 1" in text
    assert "PINEAPPLE" not in text and "aggressive" not in text  # never the safe word or risks
    assert "see hvdesk" in text

    clock.advance(MIN)
    monitor.tick()
    assert gateway.to("+447700900321") == []  # 3 minutes: not yet
    clock.advance(MIN)
    monitor.tick()
    assert len(gateway.to("+447700900321")) == 1 and len(smtp.to("dsl@example.org")) == 1

    clock.advance(MIN)  # T+5: Linda takes it on a PC
    alarm_id = AlarmService(db, clock).open_alarms()[0].id
    from hvdesk.models import Role
    from tests.conftest import _user

    linda = _user(db, "t_head", "Linda Francis", Role.APPROVER)
    AlarmService(db, clock).acknowledge(linda, alarm_id)
    monitor.tick()
    for number in ("+447700900789", "+447700900321"):
        texts = gateway.to(number)
        assert len(texts) == 2
        assert f"handled by Linda Francis at {fmt_time(raised_at + 5 * MIN)}" in texts[1]
    assert len(smtp.to("head@example.org")) == 2 and len(smtp.to("dsl@example.org")) == 2

    clock.advance(10 * MIN)
    monitor.tick()  # nothing more, ever
    assert len(gateway.sent) == 4 and len(smtp.messages) == 4
    assert len(set(gateway.keys)) == 4
    with db.read() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
        assert all(r.provider_ref for r in rows)
        sent_events = s.scalars(select(Event).where(Event.kind == "message_sent")).all()
    assert len(sent_events) == 8
    assert all(e.visit_id == visit_id for e in sent_events)


def test_duress_goes_to_the_first_contact_at_once(db, clock, office, school, gateway, smtp):
    visit_id = visit_out(db, clock, office)
    monitor = Monitor(db, clock, beat_s=0)
    monitor.tick()
    clock.advance(MIN)
    said_at = fmt_time(clock.now())
    AlarmService(db, clock).duress(office, visit_id, "said the code word")
    clock.advance(MIN)  # the text goes out a minute later: it still says when duress began
    monitor.tick()
    assert len(gateway.to("+447700900789")) == 1
    assert f"DURESS: staff need help now (since {said_at})" in gateway.to("+447700900789")[0]
    assert gateway.to("+447700900321") == []
    clock.advance(2 * MIN)
    monitor.tick()
    assert len(gateway.to("+447700900321")) == 1


def test_out_of_hours_responsible_contact_hears_of_the_departure_and_every_alarm_first(
    db, clock, office, school, gateway, smtp
):
    home = add_contact(db, clock, "Ann Home", "+447700900555", "", 0, on_ladder=False)
    visit_id = visit_out(db, clock, office, responsible_contact_id=home, out_of_hours_reason="x")
    monitor = Monitor(db, clock, beat_s=0)
    monitor.tick()
    (told,) = gateway.to("+447700900555")
    assert "Jasmin Patel and Tom Lee left for the Clarke family at" in told
    assert "You are their responsible contact: hvdesk will text you if they are overdue" in told
    clock.set(first_lapse(db, clock))
    monitor.tick()  # the lapse: the responsible contact at once, the ladder not yet
    assert len(gateway.to("+447700900555")) == 2
    assert "ALARM" in gateway.to("+447700900555")[1]
    assert gateway.to("+447700900789") == []
    with db.read() as s:
        assert (
            s.scalar(select(OutboxMessage.visit_id).where(OutboxMessage.kind == "departed"))
            == visit_id
        )


def test_a_drill_is_labelled_in_every_message(db, clock, office, school, gateway, smtp, approver):
    visit_id = visit_out(db, clock, office)
    monitor = Monitor(db, clock, beat_s=0)
    alarm = AlarmService(db, clock).start_drill(office, visit_id)
    clock.advance(2 * MIN)
    monitor.tick()
    AlarmService(db, clock).acknowledge(approver, alarm.id)
    monitor.tick()
    texts = gateway.to("+447700900789")
    assert len(texts) == 2 and all(t.startswith("DRILL") for t in texts)
    assert all(m["Subject"].startswith("DRILL") for m in smtp.to("head@example.org"))


# --- nobody to tell, or no way to tell them: a loud fault, never a silence ------------------------


def _lapse_nobody_takes_for_two_minutes(db, clock, office) -> None:
    """A visit out lapses and the monitor passes again when the first contact is due."""
    visit_out(db, clock, office)
    monitor = Monitor(db, clock, beat_s=0)
    clock.set(first_lapse(db, clock))
    monitor.tick()
    clock.advance(2 * MIN)
    monitor.tick()


def _health_faults(db, clock):
    from hvdesk.services.notifications import NotificationService

    return NotificationService(db, clock).health().faults  # what `notify outbox` and windows show


def test_an_alarm_with_no_channel_set_up_is_a_fault_that_names_who_was_not_told(
    db, clock, office, approver, caplog
):
    add_contact(db, clock, "Linda Francis", "+447700900789", "head@example.org", 1)
    configure(db, clock, smtp_port=None, gateway_url=None)
    visit_out(db, clock, office)
    monitor = Monitor(db, clock, beat_s=0)
    clock.set(first_lapse(db, clock))
    monitor.tick()
    assert _health_faults(db, clock) == []  # nobody is due yet: no fault
    clock.advance(2 * MIN)
    due_at = fmt_time(clock.now())
    with caplog.at_level("WARNING"):
        monitor.tick()
        monitor.tick()
    alarm_id = AlarmService(db, clock).open_alarms()[0].id
    (fault,) = _health_faults(db, clock)
    assert fault.startswith(f"Alarm {alarm_id} due to Linda Francis at {due_at}, nobody told: ")
    assert "no channel set up" in fault and "Settings > Channels" in fault
    assert [r.getMessage() for r in caplog.records if "nobody told" in r.getMessage()] == [fault]
    AlarmService(db, clock).acknowledge(approver, alarm_id)
    monitor.tick()
    assert _health_faults(db, clock) == []


def test_an_alarm_with_no_escalation_contacts_is_a_fault(db, clock, office, smtp, httpserver):
    configure(db, clock, smtp_port=smtp.port, gateway_url=httpserver.url_for("/"))
    _lapse_nobody_takes_for_two_minutes(db, clock, office)
    (fault,) = _health_faults(db, clock)
    assert "due to the escalation contacts" in fault
    assert "nobody told: no escalation contacts; add one" in fault


def test_a_contact_with_no_address_for_the_only_channel_is_a_fault(db, clock, office, smtp):
    configure(db, clock, smtp_port=smtp.port, gateway_url=None)  # email only
    add_contact(db, clock, "Linda Francis", "+447700900789", "", 1)  # a mobile, no email
    _lapse_nobody_takes_for_two_minutes(db, clock, office)
    (fault,) = _health_faults(db, clock)
    assert "due to Linda Francis" in fault and "no email on file" in fault
    assert smtp.messages == []
