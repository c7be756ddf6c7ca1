"""Texts from the field that must not do harm: old, delayed, shared-phone and duress cases.

The same local gateway stand-in and school as test_texts_in; each test is one way a real text could
mislead hvdesk or give a worker away.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hvdesk.events import EventKind
from hvdesk.models import Event
from hvdesk.services.tracker import TrackerService
from tests import textskit
from tests.textskit import (
    MIN,
    SEC,
    monitor_can_text,
    open_alarms,
    poll,
    replies,
    safety_checks_on,
    texts,
    timeline,
    visit,
)

gateway = textskit.gateway  # the shared fixtures: a local gateway stand-in, Jasmin out on a visit
school = textskit.school


def _logged(db) -> list[Event]:
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == EventKind.TEXT_RECEIVED)))


def test_a_text_sent_before_the_visit_left_does_not_act_on_it(db, clock, gateway, school):
    vid, start = school["visit"], school["start"]  # departed 09:45
    gateway.text("BACK 4821", start - timedelta(hours=16))  # last night's, held by the gateway
    clock.set(start + 20 * MIN)
    poll(db, clock, gateway)
    v = visit(db, vid)
    assert v.status == "out" and v.returned_at is None
    assert timeline(db, vid, EventKind.RETURNED) == []
    assert TrackerService(db, clock).board().row(vid) is not None  # still tracked
    [text] = texts(db)
    assert text.outcome == "refused"
    assert "before this visit left at 09:45, so nothing was recorded" in replies(db)[-1]
    [log] = _logged(db)
    assert "BACK sent" in log.note and "too old, not acted on" in log.note


def test_a_text_the_gateway_lists_late_is_still_recorded(db, clock, gateway, school):
    vid, start = school["visit"], school["start"]
    clock.set(start + 2 * MIN)
    gateway.text("ARRIVED 4821", start + MIN)
    poll(db, clock, gateway)  # the cursor moves to 10:01
    clock.set(start + 5 * MIN)
    gateway.text("LATE 30 4821", start + 30 * SEC)  # sent 10:00:30, listed only now
    result = poll(db, clock, gateway)
    assert result.fetched == 1 and result.relisted == 1
    [late] = timeline(db, vid, EventKind.RUNNING_LATE)
    assert late.at == start + 30 * SEC
    assert [t.command for t in texts(db)] == ["arrived", "late"]  # each recorded once
    assert poll(db, clock, gateway).handled == []


def test_the_safe_word_with_no_visit_marked_out_raises_duress_on_their_visit_today(
    db, clock, office, gateway, school, make_visit
):
    from hvdesk.services.alarms import AlarmService

    TrackerService(db, clock).returned(office, school["visit"])
    start = school["start"] + 120 * MIN
    later = make_visit(  # the office forgot to press Departed
        household_id=school["homes"][1], lead_id=school["jasmin"], start=start, status="approved"
    )
    clock.set(start + 10 * MIN)
    gateway.text("can you ring me about the bluebell order", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "duress" and alarm.visit_id == later
    assert "no visit marked out" in alarm.reason
    assert [d.alarm.id for d in AlarmService(db, clock).details()] == [alarm.id]  # every seat
    assert replies(db) == ["Thanks, noted."]
    [text] = texts(db)
    assert text.outcome == "duress" and text.alarm_id == alarm.id


def test_the_safe_word_with_no_visit_today_raises_duress_about_the_person(
    db, clock, office, gateway, school
):
    from hvdesk.services.texts_in import InboundTextService

    TrackerService(db, clock).returned(office, school["visit"])
    clock.set(school["start"] + timedelta(days=1))
    gateway.text("bluebell", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "duress" and alarm.visit_id is None
    assert alarm.staff_id == school["jasmin"]
    assert alarm.reason == (
        "DURESS: Jasmin Patel (07700 900123) needs help now, 10:00: no visit out and none "
        "recorded today"
    )
    [row] = InboundTextService(db, clock).recent()
    assert row.outcome == f"DURESS raised, alarm {alarm.id}" and row.alarm_id == alarm.id
    assert replies(db) == ["Thanks, noted."]


def test_replies_after_a_duress_never_mention_the_alarm(db, clock, gateway, school):
    clock.set(school["start"] + 5 * MIN)
    gateway.text("bluebell", clock.now())
    gateway.text("OK 4821", clock.now() + SEC)
    poll(db, clock, gateway)
    assert replies(db) == ["Thanks, noted.", "hvdesk: Checked in 10:05. Next due 11:05."]


def test_two_staff_cannot_share_a_mobile(db, clock, office, school):
    import pytest

    from hvdesk.errors import ValidationError
    from hvdesk.services.lone_working import LoneWorkingInput, LoneWorkingService
    from hvdesk.services.staff import StaffInput, StaffService

    staff = StaffService(db, clock)
    with pytest.raises(ValidationError) as refused:
        staff.create(office, StaffInput(name="Sam Shared", mobile="07700 900123"))
    assert refused.value.for_field("Mobile") == (
        "07700 900123 is already Jasmin Patel's mobile; texts from one number cannot be told "
        "apart, so enter this person's own mobile"
    )
    sam = staff.create(office, StaffInput(name="Sam Shared", mobile="07700 900789")).id
    with pytest.raises(ValidationError, match="already Tom Lee's mobile"):
        staff.update(office, sam, StaffInput(name="Sam Shared", mobile="07700 900456"))
    staff.update(office, school["jasmin"], StaffInput(name="Jasmin Patel", mobile="07700 900123"))
    lone = LoneWorkingService(db, clock)
    form = LoneWorkingInput(
        "07700 900123", "marigold", "marigold", clock.now().date(), True, "7391", "7391"
    )
    with pytest.raises(ValidationError, match="already Jasmin Patel's mobile"):
        lone.record(office, sam, form)


def test_a_text_from_a_number_matched_to_nobody_hides_every_safe_word(db, clock, gateway, school):
    clock.set(school["start"])
    gateway.text("help bluebell 4821", clock.now(), sender="+447700900999")
    poll(db, clock, gateway)
    [text] = texts(db)
    assert text.outcome == "unknown_sender"
    assert text.body_shown == "help [safe word] ••••"
    assert "bluebell" not in _logged(db)[0].note


def test_command_words_are_refused_as_safe_words_and_duress_words(db, clock, office, approver):
    import pytest

    from hvdesk.errors import ValidationError
    from hvdesk.services.lone_working import LoneWorkingInput, LoneWorkingService
    from hvdesk.services.settings import SettingsService
    from hvdesk.services.staff import StaffInput, StaffService

    sam = StaffService(db, clock).create(office, StaffInput(name="Sam Lee", mobile="07700 900321"))
    lone = LoneWorkingService(db, clock)
    for word in ("back", "late", "here", "stop", "take"):
        form = LoneWorkingInput("07700 900321", word, word, clock.now().date(), True)
        with pytest.raises(ValidationError) as refused:
            lone.record(office, sam.id, form)
        assert "texts staff send every day" in (refused.value.for_field("Safe word") or "")
    settings = SettingsService(db, clock)
    for word, why in (("ok", "every day"), ("the", "every day"), ("4821", "not digits")):
        with pytest.raises(ValidationError) as refused:
            settings.save_policy(approver, settings.policy().with_changes(text_duress_word=word))
        assert why in (refused.value.for_field("Duress word by text (text_duress_word)") or "")
    settings.save_policy(approver, settings.policy().with_changes(text_duress_word="pineapple"))


def _wrong_pins(db, clock, gateway, *pins):
    for pin in pins:
        gateway.text(f"OK {pin}", clock.now())
        clock.advance(SEC)
    poll(db, clock, gateway)


def test_three_more_wrong_pins_after_the_alarm_was_resolved_raise_it_again(
    db, clock, gateway, school, office
):
    from hvdesk.services.alarms import AlarmService

    clock.set(school["start"])
    _wrong_pins(db, clock, gateway, "1111", "2222", "3333")
    [alarm] = open_alarms(db)
    alarms = AlarmService(db, clock)
    alarms.acknowledge(office, alarm.id)
    alarms.resolve(office, alarm.id, "safe_forgot", "rang her: fat fingers")
    clock.advance(10 * MIN)
    _wrong_pins(db, clock, gateway, "5555", "6666")
    assert open_alarms(db) == []
    _wrong_pins(db, clock, gateway, "7777")
    [again] = open_alarms(db)
    assert again.level == "amber" and again.id != alarm.id


def test_wrong_pins_a_week_apart_are_not_a_run(db, clock, gateway, school, office, make_visit):
    clock.set(school["start"])
    _wrong_pins(db, clock, gateway, "1111", "2222")
    TrackerService(db, clock).returned(office, school["visit"])
    start = school["start"] + timedelta(days=7)
    later = make_visit(
        household_id=school["homes"][1], lead_id=school["jasmin"], start=start, status="approved"
    )
    clock.set(start - 10 * MIN)
    TrackerService(db, clock).depart(office, later)
    clock.set(start + 5 * MIN)
    _wrong_pins(db, clock, gateway, "4812")
    assert open_alarms(db) == []
    assert "wrong PIN (1 in a row)" in _logged(db)[-1].note


def test_three_wrong_pins_with_no_visit_marked_out_raise_the_amber_alarm(
    db, clock, gateway, school, office
):
    TrackerService(db, clock).returned(office, school["visit"])
    clock.set(school["start"] + 60 * MIN)
    _wrong_pins(db, clock, gateway, "1111", "2222", "3333")
    [alarm] = open_alarms(db)  # back at school: the amber alarm is about her, not the visit
    assert alarm.level == "amber" and alarm.visit_id is None
    assert alarm.staff_id == school["jasmin"]
    assert "3 wrong PINs in a row by text from 07700 900123 from Jasmin Patel" in alarm.reason
    assert "last known: back from Clarke family" in alarm.reason


def test_duress_on_an_alarm_someone_took_starts_the_ladder_again(db, clock, gateway, school):
    from hvdesk.models import Alarm, EscalationContact, OutboxMessage
    from hvdesk.notify.monitor import EscalationClock
    from hvdesk.rules.text_actions import alarm_code

    gateway.configure(db, clock.now())
    now = clock.now()
    with db.transaction() as s:
        for i, (name, mobile) in enumerate(
            [("Linda Francis", "+447700900701"), ("Dan Deputy", "+447700900702")]
        ):
            s.add(
                EscalationContact(
                    name=name, mobile=mobile, position=i + 1, created_at=now, updated_at=now
                )
            )
    clock.set(school["start"] + 6 * MIN)
    [raised] = TrackerService(db, clock).raise_due_alarms()
    clock.advance(4 * MIN)
    EscalationClock(db, clock).tick()  # Linda at 10:08, Dan at 10:10
    gateway.text(f"TAKE {alarm_code(raised.alarm_id)}", clock.now(), sender="+447700900701")
    poll(db, clock, gateway)
    clock.advance(MIN)
    gateway.text("bluebell", clock.now())  # Jasmin's safe word: now it is duress
    poll(db, clock, gateway)
    duress_at = clock.now()
    clock.advance(2 * MIN)
    EscalationClock(db, clock).tick()  # the ladder again, as for a duress raised now
    with db.read() as s:
        alarm = s.get(Alarm, raised.alarm_id)
        duress = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.queued_at >= duress_at, OutboxMessage.kind == "alarm")
            .order_by(OutboxMessage.id)
        ).all()
    assert alarm.level == "duress" and alarm.acknowledged_at is None  # nobody's: take it again
    assert [(m.recipient, m.queued_at) for m in duress] == [
        ("+447700900701", duress_at),  # the first contact at once, though she had taken it
        ("+447700900702", duress_at + 2 * MIN),  # though he was told it was handled
    ]
    assert all("DURESS" in m.body for m in duress)
    [event] = timeline(db, school["visit"], EventKind.DURESS)
    assert "Linda Francis was handling the earlier alarm" in event.note


def test_the_office_owner_of_an_alarm_that_becomes_duress_is_texted(
    db, clock, gateway, school, office
):
    from hvdesk.models import OutboxMessage, UserAccount
    from hvdesk.services.alarms import AlarmService
    from hvdesk.services.staff import StaffInput, StaffService

    gateway.configure(db, clock.now())
    sam = StaffService(db, clock).create(
        office, StaffInput(name="Sam Office", mobile="07700 900555")
    )
    with db.transaction() as s:
        s.get(UserAccount, office.user_id).staff_id = sam.id
    clock.set(school["start"] + 6 * MIN)
    [raised] = TrackerService(db, clock).raise_due_alarms()
    AlarmService(db, clock).acknowledge(office, raised.alarm_id)
    clock.advance(MIN)
    gateway.text("bluebell", clock.now())
    poll(db, clock, gateway)
    with db.read() as s:
        [owner] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "duress_owner")).all()
    assert owner.recipient == "+447700900555"
    assert owner.body.startswith("hvdesk: DURESS now on the alarm you were handling")


def test_a_window_holding_the_lease_sends_the_safety_check_texts(
    db, clock, gateway, school, approver, monkeypatch, tmp_path
):
    from hvdesk.notify import lease as leases
    from hvdesk.notify.monitor import Monitor

    safety_checks_on(db, clock, approver)
    monitor_can_text(db, clock, gateway, monkeypatch, tmp_path)
    window = Monitor(db, clock, kind=leases.WINDOW, raise_alarms=False, beat_s=0)
    assert window.tick().holds_lease and gateway.sent == []
    clock.set(school["start"])  # the arrival call falls due
    window.tick()
    assert [m["Body"] for m in gateway.sent] == [
        "hvdesk: your arrival call for the Clarke family is due; reply ARRIVED and your PIN."
    ]
    clock.advance(2 * MIN)
    window.tick()
    assert len(gateway.sent) == 1  # once per deadline


def test_a_contact_who_sent_stop_gets_alarms_by_email_and_the_skip_is_kept(
    db, clock, gateway, school
):
    from dataclasses import replace

    from hvdesk.models import EscalationContact, OutboxMessage, Setting
    from hvdesk.notify import config as notify_config
    from hvdesk.notify.monitor import EscalationClock
    from hvdesk.services.notifications import NotificationService

    gateway.configure(db, clock.now())
    now = clock.now()
    with db.transaction() as s:
        row = s.get(Setting, notify_config.NOTIFY_KEY)
        config = notify_config.NotifyConfig.from_dict(row.value)
        row.value = replace(config, smtp_host="127.0.0.1", smtp_from="hvdesk@school").to_dict()
        s.add(
            EscalationContact(
                name="Linda Francis",
                mobile="+447700900701",
                email="linda@school.example",
                position=1,
                created_at=now,
                updated_at=now,
            )
        )
    clock.set(school["start"] - 10 * MIN)
    gateway.text("STOP", clock.now(), sender="+447700900701")
    poll(db, clock, gateway)
    clock.set(school["start"] + 6 * MIN)
    TrackerService(db, clock).raise_due_alarms()
    clock.advance(5 * MIN)
    EscalationClock(db, clock).tick()
    with db.read() as s:
        sent = {m.channel: m for m in s.scalars(select(OutboxMessage))}
    assert sent["email"].status == "queued" and sent["email"].recipient == "linda@school.example"
    assert sent["sms"].status == "failed"
    assert sent["sms"].last_error.startswith("not sent: this number opted out of texts (STOP)")
    [linda] = NotificationService(db, clock).contacts()
    assert linda.mobile_note == "opted out of texts (STOP)"


def test_the_gateway_stand_in_lists_a_reply_sent_before_hvdesk_sent_anything():
    import importlib.util
    import json
    import socket
    import urllib.request
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "sms_gateway_standin.py"
    spec = importlib.util.spec_from_file_location("sms_gateway_standin", path)
    assert spec is not None and spec.loader is not None
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server, _store = standin.serve(port)
    try:
        root = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(f"{root}/reply", data=b"From=%2B447700900123&Body=OK+4821")
        listing = f"{root}/2010-04-01/Accounts/AC-LOCAL/Messages.json?To=%2B447700900000"
        with urllib.request.urlopen(listing) as answer:
            [row] = json.load(answer)["messages"]
    finally:
        server.shutdown()
        server.server_close()
    assert (row["to"], row["body"]) == ("+447700900000", "OK 4821")
