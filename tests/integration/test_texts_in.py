"""Texts from the field, end to end: a local HTTP server stands in for the SMS gateway.

Each test texts the stand-in, polls it as the monitor does, and reads what hvdesk recorded: the
visit's timeline, its alarms, and the reply queued in the outbox.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hvdesk.events import EventKind
from hvdesk.models import (
    Alarm,
    EscalationContact,
    Event,
    InboundText,
    OutboxMessage,
    Visit,
)
from hvdesk.rules.text_actions import alarm_code
from hvdesk.services.text_polling import TextPollingService
from hvdesk.services.texts_in import InboundTextService
from hvdesk.services.tracker import TrackerService
from tests import textskit
from tests.gateway_standin import GatewayStandIn
from tests.textskit import (
    JASMIN,
    MIN,
    SEC,
    TOM,
    linda_on_the_ladder,
    monitor_can_text,
    open_alarms,
    poll,
    replies,
    safety_checks_on,
    second_visit_out,
    texts,
    timeline,
    visit,
)

gateway = textskit.gateway  # the shared fixtures: a local gateway stand-in, Jasmin out on a visit
school = textskit.school


def evening_visit_with_rob_at_home(db, clock, school, make_visit, evening) -> int:
    """Tom's approved evening visit, with Rob Home (off the ladder) as its responsible contact."""
    now = clock.now()
    with db.transaction() as s:
        contact = EscalationContact(
            name="Rob Home", mobile="+447700900801", on_ladder=False, created_at=now, updated_at=now
        )
        s.add(contact)
        s.flush()
        contact_id = contact.id
    return make_visit(
        household_id=school["homes"][1],
        lead_id=school["tom"],
        start=evening,
        status="approved",
        responsible_contact_id=contact_id,
    )


def test_arrived_ok_late_and_back_with_the_pin(db, clock, gateway, school):
    vid = school["visit"]
    clock.set(school["start"])
    outcomes = []
    for body, wait in (("ARRIVED 4821", 15), ("ok4821", 20), ("LATE 20 mins 4821", 0)):
        gateway.text(body, clock.now())
        outcomes += [h.outcome for h in poll(db, clock, gateway).handled]
        clock.advance(wait * MIN)
    assert outcomes == ["recorded"] * 3
    assert visit(db, vid).status == "on_site"
    [arrived] = timeline(db, vid, EventKind.ARRIVED)
    assert arrived.note == "Arrived by text from 07700 900123"
    assert arrived.at == school["start"] and arrived.user_name == "Jasmin Patel"
    [checked] = timeline(db, vid, EventKind.CHECKED_IN)
    assert checked.at == school["start"] + 15 * MIN
    assert checked.data["by_text"] and checked.data["from"] == JASMIN
    [late] = timeline(db, vid, EventKind.RUNNING_LATE)
    assert "Running late 20 min: new expected return 11:20" in late.note
    assert visit(db, vid).expected_return == school["start"] + 80 * MIN
    assert replies(db) == [
        "hvdesk: Arrived 10:00. Next due 11:00.",
        "hvdesk: Checked in 10:15. Next due 11:15.",
        "hvdesk: Running late: now expected back 11:20. Next due 11:35.",
    ]
    clock.advance(30 * MIN)
    gateway.text("bak 4821", clock.now())
    poll(db, clock, gateway)
    assert visit(db, vid).status == "returned"
    assert replies(db)[-1] == "hvdesk: Back at school 11:05. Thank you."
    # the deadlines follow: nothing lapses for a visit that is back
    assert TrackerService(db, clock).board().row(vid) is None


def test_without_the_pin_nothing_changes(db, clock, gateway, school):
    vid = school["visit"]
    clock.set(school["start"])
    before = len(timeline(db, vid))
    for body in ("OK", "ARRIVED", "BACK", "LATE 20"):
        gateway.text(body, clock.now())
    poll(db, clock, gateway)
    assert visit(db, vid).status == "out"
    assert [e.kind for e in timeline(db, vid)][before:] == []  # the visit's timeline is untouched
    assert [t.outcome for t in texts(db)] == ["no_pin"] * 4
    assert all("add your 4-digit PIN" in r for r in replies(db))
    with db.read() as s:
        logged = s.scalars(select(Event).where(Event.kind == EventKind.TEXT_RECEIVED)).all()
    assert len(logged) == 4 and all("no PIN: not acted on" in e.note for e in logged)
    assert all(e.note.startswith("Text from 07700 900123: ") for e in logged)  # not "Text by text"


def test_the_safe_word_in_a_sentence_raises_duress_with_an_innocent_reply(
    db, clock, gateway, school
):
    vid = school["visit"]
    clock.set(school["start"] + 5 * MIN)
    gateway.text("Can you ring me about the Bluebell order please", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "duress" and alarm.visit_id == vid and alarm.step == 4
    assert replies(db) == ["Thanks, noted."]
    [duress] = timeline(db, vid, EventKind.DURESS)
    assert duress.note == "safe word by text from 07700 900123"
    [stored] = texts(db)
    assert "bluebell" not in stored.body_shown.lower() and "[safe word]" in stored.body_shown
    assert stored.outcome == "duress" and stored.alarm_id == alarm.id
    # the board shows DURESS at once
    row = TrackerService(db, clock).board().row(vid)
    assert row is not None and row.state.level(clock.now()).name == "DURESS"


def test_a_school_duress_word_works_with_or_without_the_pin(db, clock, gateway, school, approver):
    from hvdesk.services.settings import SettingsService

    settings = SettingsService(db, clock)
    settings.save_policy(approver, settings.policy().with_changes(text_duress_word="pineapple"))
    clock.set(school["start"])
    gateway.text("ok 4821 PINEAPPLE", clock.now(), sender=TOM)  # Tom has no PIN at all
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "duress"
    assert replies(db) == ["Thanks, noted."]


def test_three_wrong_pins_in_a_row_raise_an_amber_alarm(db, clock, gateway, school):
    vid = school["visit"]
    clock.set(school["start"])
    gateway.text("OK 1111", clock.now())
    gateway.text("ok 4812", clock.now() + MIN)
    poll(db, clock, gateway)
    assert open_alarms(db) == []
    gateway.text("OK 4281", clock.now() + 2 * MIN)
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "amber" and alarm.visit_id == vid
    assert "Possible duress: 3 wrong PINs in a row by text from 07700 900123" in alarm.reason
    assert visit(db, vid).status == "out"  # nothing recorded
    assert all(r.startswith("hvdesk: that PIN is not right") for r in replies(db))
    row = TrackerService(db, clock).board().row(vid)
    assert row is not None and row.state.level(clock.now()).name == "AMBER"
    # a fourth wrong PIN does not raise another
    gateway.text("OK 4280", clock.now() + 3 * MIN)
    poll(db, clock, gateway)
    assert len(open_alarms(db)) == 1


def test_a_right_pin_ends_the_run_of_wrong_ones(db, clock, gateway, school):
    clock.set(school["start"])
    for body in ("OK 1111", "OK 2222", "OK 4821", "OK 3333", "OK 5555"):
        gateway.text(body, clock.now())
        clock.advance(MIN)
    poll(db, clock, gateway)
    assert open_alarms(db) == []


def test_an_unknown_number_is_logged_and_never_acted_on(db, clock, gateway, school):
    vid = school["visit"]
    clock.set(school["start"])
    before = len(timeline(db, vid))
    gateway.text("OK 4821", clock.now(), sender="+447700900999")
    gateway.text("bluebell", clock.now(), sender="+447700900999")
    poll(db, clock, gateway)
    assert len(timeline(db, vid)) == before and open_alarms(db) == []
    assert replies(db) == []  # never answered
    assert [t.outcome for t in texts(db)] == ["unknown_sender"] * 2
    with db.read() as s:
        logged = s.scalars(select(Event).where(Event.kind == EventKind.TEXT_RECEIVED)).all()
    assert len(logged) == 2 and "07700 900999" in logged[0].note
    assert "does not know: not acted on" in logged[0].note
    assert "4821" not in logged[0].note  # the PIN is hidden even in the log


def test_two_visits_out_ask_which_then_the_family_name_chooses(
    db, clock, office, gateway, school, make_visit
):
    start = school["start"]
    second = second_visit_out(db, clock, office, school, make_visit)
    clock.set(start + 10 * MIN)
    gateway.text("OK 4821", clock.now())
    poll(db, clock, gateway)
    assert texts(db)[-1].outcome == "ask_which"
    assert "2 visits out (Clarke, Ahmed)" in replies(db)[-1]
    assert timeline(db, second, EventKind.CHECKED_IN) == []
    gateway.text("OK 4821 ahmed", clock.now())
    poll(db, clock, gateway)
    assert len(timeline(db, second, EventKind.CHECKED_IN)) == 1
    assert timeline(db, school["visit"], EventKind.CHECKED_IN) == []


def test_a_late_text_counts_from_when_sent_and_never_clears_the_alarm(db, clock, gateway, school):
    vid = school["visit"]
    tracker = TrackerService(db, clock)
    clock.set(school["start"] - 2 * MIN)
    sent = clock.now()
    gateway.text("ARRIVED 4821", sent)  # the gateway holds it (delay)
    clock.set(school["start"] + 6 * MIN)  # arrival call due 10:00, lapsed 10:05
    [raised] = tracker.raise_due_alarms()
    assert raised.reason.startswith("No arrival call")
    clock.advance(4 * MIN)
    poll(db, clock, gateway)
    [arrived] = timeline(db, vid, EventKind.ARRIVED)
    assert arrived.at == sent
    assert arrived.note == ("Arrived by text from 07700 900123 (sent 09:58, reached hvdesk 10:10)")
    [alarm] = open_alarms(db)
    assert alarm.id == raised.alarm_id  # still open: the office rings them and resolves it
    assert replies(db)[-1].endswith("The office will ring you about the alarm.")
    assert tracker.raise_due_alarms() == []


def test_a_restart_between_fetching_and_recording_drops_and_repeats_nothing(
    db, clock, gateway, school, monkeypatch
):
    clock.set(school["start"])
    for body in ("ARRIVED 4821", "OK 4821", "LATE 20 4821"):
        gateway.text(body, clock.now())
        clock.advance(MIN)
    real = InboundTextService.process
    calls = {"n": 0}

    def crash_on_the_second(self, message):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("power cut")
        return real(self, message)

    monkeypatch.setattr(InboundTextService, "process", crash_on_the_second)
    with pytest.raises(SystemExit):
        poll(db, clock, gateway)
    assert len(texts(db)) == 1
    monkeypatch.setattr(InboundTextService, "process", real)
    result = poll(db, clock, gateway)  # 'after the restart': the same texts are listed again
    assert result.fetched == 2 and result.relisted == 1 and len(result.handled) == 2
    assert [t.command for t in texts(db)] == ["arrived", "ok", "late"]
    assert len(replies(db)) == 3
    again = poll(db, clock, gateway)  # listed again within the overlap, recorded once
    assert again.fetched == 0 and again.relisted == 3 and again.handled == []


def test_two_pollers_record_each_text_once(db, clock, httpserver, school):
    gateway = GatewayStandIn(httpserver, page_size=2)  # several pages per listing
    clock.set(school["start"])
    for i in range(9):
        gateway.text("OK 4821" if i % 2 else "ok 4821 thanks", clock.now() + i * MIN)
    clock.advance(10 * MIN)
    results = []

    def run() -> None:
        results.append(poll(db, clock, gateway))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.error == "" for r in results)
    assert sum(len(r.handled) for r in results) == 9
    with db.read() as s:
        assert s.scalar(select(func.count(InboundText.id))) == 9
        assert s.scalar(select(func.count(OutboxMessage.id))) == 9
    assert len(timeline(db, school["visit"], EventKind.CHECKED_IN)) == 9


def test_a_failing_gateway_is_a_visible_fault_until_it_answers(db, clock, gateway, school):
    polling = TextPollingService(db, clock)
    gateway.fail_with = 401
    clock.set(school["start"])
    result = polling.poll(gateway.adapter())
    assert "401 from gateway" in result.error
    assert polling.health().text.startswith("Texts in failing since 10:00: 401 from gateway")
    clock.advance(MIN)
    polling.poll(gateway.adapter())
    assert "since 10:00" in polling.health().text  # since the first failure
    gateway.fail_with = None
    gateway.text("OK 4821", clock.now())
    assert len(polling.poll(gateway.adapter()).handled) == 1
    assert polling.health().text == ""


def test_stop_is_honoured_and_start_turns_replies_back_on(db, clock, gateway, school):
    clock.set(school["start"])
    gateway.text("STOP", clock.now())
    gateway.text("OK 4821", clock.now() + MIN)
    poll(db, clock, gateway)
    assert replies(db) == []  # no reply to an opted-out number
    assert len(timeline(db, school["visit"], EventKind.CHECKED_IN)) == 1  # still recorded
    gateway.text("START", clock.now() + 2 * MIN)
    gateway.text("OK 4821", clock.now() + 3 * MIN)
    poll(db, clock, gateway)
    assert replies(db)[0] == "hvdesk: texts to this number are back on."
    assert replies(db)[1].startswith("hvdesk: Checked in")


def test_take_by_reply_owns_the_alarm_and_tells_the_others(db, clock, gateway, school):
    vid = school["visit"]
    gateway.configure(db, clock.now())
    clock.set(school["start"] + 6 * MIN)
    [raised] = TrackerService(db, clock).raise_due_alarms()
    now = clock.now()
    with db.transaction() as s:
        for i, (name, mobile) in enumerate(
            [("Linda Francis", "+447700900701"), ("Dan Deputy", "+447700900702")]
        ):
            c = EscalationContact(
                name=name, mobile=mobile, position=i + 1, created_at=now, updated_at=now
            )
            s.add(c)
            s.flush()
            s.add(  # as the escalation clock sent it
                OutboxMessage(
                    channel="sms",
                    recipient=mobile,
                    recipient_name=name,
                    body="alarm",
                    kind="alarm",
                    idempotency_key=f"alarm:{raised.alarm_id}:{c.id}:sms",
                    alarm_id=raised.alarm_id,
                    visit_id=vid,
                    contact_id=c.id,
                    status="sent",
                    next_attempt_at=now,
                    queued_at=now,
                    updated_at=now,
                )
            )
    code = alarm_code(raised.alarm_id)
    clock.advance(MIN)
    gateway.text(f"take {code}", clock.now(), sender="+447700900701")
    gateway.text(f"TAKE {code}", clock.now() + 10 * SEC, sender="+447700900702")
    gateway.text("TAKE 9999", clock.now() + 20 * SEC, sender="+447700900702")
    poll(db, clock, gateway)
    with db.read() as s:
        alarm = s.get(Alarm, raised.alarm_id)
        sent = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind != "alarm").order_by(OutboxMessage.id)
        ).all()
    assert alarm.acknowledged_by == "Linda Francis" and alarm.acknowledged_at == clock.now()
    [taken] = timeline(db, vid, EventKind.ALARM_ACKNOWLEDGED)
    assert taken.note == "Linda Francis is handling this (by text from 07700 900701)"
    to_linda = [m.body for m in sent if m.recipient == "+447700900701"]
    to_dan = [m.body for m in sent if m.recipient == "+447700900702"]
    assert to_linda == [
        f"hvdesk: alarm {code} is yours (Jasmin Patel + Tom Lee, Clarke family). "
        "Ring them now; ring the office for the details."
    ]
    assert "is handled by Linda Francis at 10:07" in to_dan[0]
    assert to_dan[1].startswith(f"hvdesk: alarm {code} is already handled by Linda Francis")
    assert to_dan[2].startswith("hvdesk: no open alarm with code 9999")
    assert len(sent) == 4


def test_an_alarm_text_says_how_to_take_it_by_reply(db, clock, gateway, school):
    from hvdesk.notify.monitor import EscalationClock

    linda_on_the_ladder(db, clock, gateway)
    clock.set(school["start"] + 6 * MIN)
    [raised] = TrackerService(db, clock).raise_due_alarms()
    clock.advance(5 * MIN)  # nobody took it
    EscalationClock(db, clock).tick()
    with db.read() as s:
        [message] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alarm")).all()
    assert f"reply TAKE {alarm_code(raised.alarm_id)} by text" in message.body


def test_the_responsible_contact_confirms_by_ok(db, clock, office, gateway, school, make_visit):
    evening = school["start"].replace(hour=18)
    vid = evening_visit_with_rob_at_home(db, clock, school, make_visit, evening)
    gateway.text("ok", clock.now(), sender="+447700900801")
    poll(db, clock, gateway)
    [confirmed] = timeline(db, vid, EventKind.RESPONSIBLE_CONFIRMED)
    assert confirmed.note == (
        "Rob Home confirmed they are the responsible contact (by text from 07700 900801)"
    )
    assert replies(db) == ["hvdesk: thank you, you are monitoring Tom Lee, back 19:00."]


def test_the_monitor_polls_records_and_the_reply_leaves_in_the_same_pass(
    db, clock, gateway, school, monkeypatch, tmp_path
):
    from hvdesk.notify.monitor import Monitor
    from tests.gateway_standin import NUMBER

    monitor_can_text(db, clock, gateway, monkeypatch, tmp_path)
    monitor = Monitor(db, clock, beat_s=0, texts_poll_s=10)
    clock.set(school["start"])
    gateway.text("Arrived 4821", clock.now())
    report = monitor.tick()
    assert report.holds_lease and [h.outcome for h in report.texts.handled] == ["recorded"]
    assert gateway.sent == [
        {"To": JASMIN, "From": NUMBER, "Body": "hvdesk: Arrived 10:00. Next due 11:00."}
    ]
    assert visit(db, school["visit"]).status == "on_site"
    clock.advance(5 * SEC)
    assert monitor.tick().texts is None  # not due yet: one request per interval
    clock.advance(5 * SEC)
    assert monitor.tick().texts.fetched == 0
    assert gateway.requests == 2


def test_a_safety_check_text_when_a_check_in_falls_due(
    db, clock, gateway, school, approver, monkeypatch, tmp_path
):
    from hvdesk.notify.monitor import Monitor

    safety_checks_on(db, clock, approver)
    monitor_can_text(db, clock, gateway, monkeypatch, tmp_path)
    monitor = Monitor(db, clock, beat_s=0)
    monitor.tick()
    assert gateway.sent == []
    clock.set(school["start"])  # the arrival call falls due
    monitor.tick()
    assert gateway.sent == [
        {
            "To": JASMIN,
            "From": "+447700900000",
            "Body": "hvdesk: your arrival call for the Clarke family is due; reply ARRIVED and "
            "your PIN.",
        }
    ]  # Tom has no PIN, so is not asked to text one
    clock.advance(MIN)
    monitor._look = True
    monitor.tick()
    assert len(gateway.sent) == 1  # once per deadline
    gateway.text("arrived 4821", clock.now())
    clock.advance(10 * SEC)
    monitor.tick()
    assert gateway.sent[-1]["Body"] == "hvdesk: Arrived 10:01. Next due 11:01."


def test_the_responsible_contact_is_asked_before_departure_and_the_office_sees_no_reply(
    db, clock, gateway, school, make_visit
):
    from hvdesk.services.texts_in import ResponsibleContacts

    gateway.configure(db, clock.now())
    evening = school["start"].replace(hour=18)
    vid = evening_visit_with_rob_at_home(db, clock, school, make_visit, evening)
    contacts = ResponsibleContacts(db, clock)
    assert contacts.ask(clock.now()) == 0  # more than three hours before they leave
    assert "Rob Home, the out-of-hours responsible contact, has not confirmed" in (
        contacts.unconfirmed(vid)
    )
    clock.set(evening - 2 * timedelta(hours=1))
    assert contacts.ask(clock.now()) == 1
    assert contacts.ask(clock.now()) == 0  # once
    assert replies(db) == [
        "hvdesk: you are the responsible contact for Tom Lee visiting the Ahmed family at 18:00, "
        "back 19:00. Reply OK to confirm you are monitoring."
    ]
    gateway.text("OK", clock.now(), sender="+447700900801")
    poll(db, clock, gateway)
    assert contacts.unconfirmed(vid) == ""
    assert contacts.unconfirmed(school["visit"]) == ""  # no responsible contact named


def test_the_texts_commands_poll_list_and_set_a_pin(
    db, clock, gateway, school, monkeypatch, tmp_path, capsys
):
    import getpass

    from hvdesk.cli import main

    monkeypatch.setenv("HVDESK_SMS_TOKEN", "token-0011")
    monkeypatch.setenv("HVDESK_SECRETS_FILE", str(tmp_path / "secrets.json"))
    assert main(["texts", "poll", "--db", db.url]) == 2
    assert "no gateway that can list received texts is set up" in capsys.readouterr().err
    gateway.configure(db, clock.now())
    pins = iter(["7305", "7305"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(pins))
    assert main(["texts", "set-pin", "Tom Lee", "--db", db.url]) == 2
    assert "Tom Lee has no lone working assessment" in capsys.readouterr().err
    assert main(["texts", "set-pin", "Jasmin Patel", "--db", db.url]) == 0
    assert "Texting PIN set for Jasmin Patel" in capsys.readouterr().out
    gateway.text("OK 7305", clock.now())
    assert main(["texts", "poll", "--db", db.url]) == 0
    out = capsys.readouterr().out
    assert "Fetched 1 text(s); recorded 1 new." in out
    assert "recorded -> reply queued: 'hvdesk: Checked in" in out  # not sent yet
    assert "Replies are queued: the monitor sends them" in out
    assert main(["texts", "list", "--db", db.url]) == 0
    out = capsys.readouterr().out
    assert "07700 900123 (Jasmin Patel)  Recorded: 'OK ••••'" in out and "7305" not in out
    gateway.fail_with = 401
    assert main(["texts", "poll", "--db", db.url]) == 2
    assert "hvdesk: texts: polling the gateway failed: 401 from gateway" in capsys.readouterr().err


def test_a_window_polls_texts_when_no_monitor_holds_the_lease(
    db, clock, gateway, school, monkeypatch, tmp_path
):
    from hvdesk.notify import lease as leases
    from hvdesk.notify.monitor import Monitor

    monitor_can_text(db, clock, gateway, monkeypatch, tmp_path)
    window = Monitor(db, clock, kind=leases.WINDOW, raise_alarms=False, beat_s=0)
    clock.set(school["start"])
    gateway.text("ARRIVED 4821", clock.now())
    report = window.tick()
    assert report.holds_lease and [h.outcome for h in report.texts.handled] == ["recorded"]
    assert gateway.sent[-1]["Body"] == "hvdesk: Arrived 10:00. Next due 11:00."


def test_a_window_leaves_polling_to_the_monitor_that_holds_the_lease(
    db, clock, gateway, school, monkeypatch, tmp_path
):
    from hvdesk.notify import lease as leases
    from hvdesk.notify.monitor import Monitor

    monitor_can_text(db, clock, gateway, monkeypatch, tmp_path)
    monitor = Monitor(db, clock, beat_s=0)
    window = Monitor(db, clock, kind=leases.WINDOW, raise_alarms=False, beat_s=0)
    assert monitor.tick().holds_lease
    report = window.tick()
    assert not report.holds_lease and report.texts is None
    assert gateway.requests == 1  # the monitor's poll only


def test_duress_by_text_goes_up_the_ladder_at_once_as_one_alarm_naming_every_visit_they_are_on(
    db, clock, office, gateway, school, make_visit
):
    linda_on_the_ladder(db, clock, gateway)
    second_visit_out(db, clock, office, school, make_visit)
    clock.set(school["start"] + 3 * MIN)
    gateway.text("running a bit late, BLUEBELL", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)  # one alarm about Jasmin, not one per visit
    assert alarm.visit_id is None and alarm.staff_id == school["jasmin"]
    assert alarm.level == "duress"
    assert "2 visits out: Clarke family, 1 Hill St" in alarm.reason
    assert "; Ahmed family, 1 Hill St" in alarm.reason
    with db.read() as s:
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alarm")).all()
    assert len(told) == 1 and all(m.recipient == "+447700900701" for m in told)
    assert all("DURESS" in m.body and "reply TAKE" in m.body for m in told)
    assert "Jasmin Patel - 2 visits out: Clarke family" in told[0].body
    assert "Ahmed family" in told[0].body
    assert "bluebell" not in " ".join(m.body.lower() for m in told)  # never the safe word
    assert replies(db)[-1] == "Thanks, noted."


def _parent_needed(db, clock, approver, visit_id: int) -> None:
    """Thomas More: visits other than for attendance go ahead only with a parent present."""
    from dataclasses import replace

    from hvdesk.services.settings import SettingsService

    settings = SettingsService(db, clock)
    settings.save_policy(
        approver, replace(settings.policy(), parent_present_unless_attendance=True)
    )
    with db.transaction() as s:
        s.get(Visit, visit_id).purpose = "safe_and_well"


def test_thomas_more_arrived_by_text_asks_whether_a_parent_is_present(
    db, clock, gateway, school, approver
):
    vid = school["visit"]
    _parent_needed(db, clock, approver, vid)
    clock.set(school["start"])
    gateway.text("ARRIVED 4821", clock.now())
    assert [h.outcome for h in poll(db, clock, gateway).handled] == ["recorded"]
    assert visit(db, vid).status == "out" and visit(db, vid).arrived_at is None  # not gone in
    assert timeline(db, vid, EventKind.ARRIVED) == []
    [checked] = timeline(db, vid, EventKind.CHECKED_IN)
    assert checked.note.startswith("At the address; asked whether a parent or carer is present")
    assert "Is a parent or carer present?" in replies(db)[-1]
    assert "ARRIVED PARENT" in replies(db)[-1] and "ARRIVED NO PARENT" in replies(db)[-1]
    clock.advance(2 * MIN)
    gateway.text("ARRIVED 4821 parent", clock.now())
    poll(db, clock, gateway)
    assert visit(db, vid).status == "on_site"
    [arrived] = timeline(db, vid, EventKind.ARRIVED)
    assert arrived.note.startswith("Arrived; a parent or carer is present")


def test_thomas_more_arrived_no_parent_by_text_starts_the_wait(
    db, clock, gateway, school, approver
):
    vid = school["visit"]
    _parent_needed(db, clock, approver, vid)
    clock.set(school["start"])
    gateway.text("arrived 4821 no parent", clock.now())
    poll(db, clock, gateway)
    assert timeline(db, vid, EventKind.ARRIVED) == []
    [waiting] = timeline(db, vid, EventKind.PARENT_NOT_PRESENT)
    assert waiting.note.startswith("Parents not present; wait ") and waiting.data["by_text"]
    assert replies(db)[-1].startswith("hvdesk: Parent not present 10:00: do not go in. Wait until")
    row = TrackerService(db, clock).board().row(vid)
    assert row is not None and row.state.parent_wait_until is not None


def test_arrived_by_text_for_an_attendance_visit_needs_no_parent(
    db, clock, gateway, school, approver
):
    vid = school["visit"]
    _parent_needed(db, clock, approver, vid)
    with db.transaction() as s:
        s.get(Visit, vid).purpose = "attendance"
    clock.set(school["start"])
    gateway.text("ARRIVED 4821", clock.now())
    poll(db, clock, gateway)
    assert visit(db, vid).status == "on_site"
    assert replies(db)[-1] == "hvdesk: Arrived 10:00. Next due 11:00."
