"""The safe word from someone with no one visit out: between visits, back at school, before a
visit booked for later, or with two visits out. Nobody in danger who texts it may be ignored.

The same local gateway stand-in and school as test_texts_in: Jasmin (safe word bluebell, mobile
07700 900123) went to the Clarke family at 09:45.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hvdesk.events import EventKind
from hvdesk.models import Event
from hvdesk.notify.channels import Inbound
from hvdesk.rules.text_actions import alarm_code
from hvdesk.services.alarms import AlarmService
from hvdesk.services.texts_in import InboundTextService
from hvdesk.services.tracker import TrackerService
from tests import textskit
from tests.textskit import (
    LINDA,
    MIN,
    PRIYA,
    back_at_school,
    linda_on_the_ladder,
    monitor_can_text,
    open_alarms,
    poll,
    replies,
    second_visit_out,
    texted,
    texts,
)

gateway = textskit.gateway  # the shared fixtures: a local gateway stand-in, Jasmin out on a visit
school = textskit.school


def _bodies_to(db, mobile: str) -> list[str]:
    """The alarm texts queued for this contact, oldest first."""
    from hvdesk.models import OutboxMessage

    with db.read() as s:
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == mobile, OutboxMessage.kind == "alarm")
            .order_by(OutboxMessage.id)
        )
        return [m.body for m in rows]


def _events(db, alarm_id: int) -> list[Event]:
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.alarm_id == alarm_id).order_by(Event.id)))


def test_the_safe_word_after_coming_back_raises_one_duress_alarm_about_the_person(
    db, clock, office, gateway, school
):
    back_at_school(db, clock, office, school)
    gateway.text("can you ring me about the bluebell order", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "duress" and alarm.visit_id is None
    assert alarm.staff_id == school["jasmin"] and alarm.step == 4  # straight to the police step
    assert alarm.reason == (
        "DURESS: Jasmin Patel (07700 900123) needs help now, 12:00: no visit out; last known: "
        "back from Clarke family, 1 Hill St, Birmingham, B17 0AB at 11:30"
    )
    assert replies(db) == ["Thanks, noted."]  # innocent: nothing on her screen gives her away
    [text] = texts(db)
    assert text.outcome == "duress" and text.alarm_id == alarm.id and text.visit_id is None
    kinds = [(e.kind, e.staff_id, e.visit_id) for e in _events(db, alarm.id)]
    assert kinds == [
        (EventKind.DURESS.value, school["jasmin"], None),
        (EventKind.ALARM_RAISED.value, school["jasmin"], None),
    ]
    [detail] = AlarmService(db, clock).details()  # what every seat's alarm window shows
    assert detail.visit is None and detail.person is not None
    assert detail.person.name == "Jasmin Patel" and detail.person.mobile == "07700 900123"
    assert detail.person.where.startswith("no visit out; last known: back from Clarke family")
    assert [d.alarm.id for d in AlarmService(db, clock).details(without_visit=True)] == [alarm.id]


def test_a_visit_booked_for_later_today_is_not_where_the_alarm_says_she_is(
    db, clock, office, gateway, school, make_visit
):
    back_at_school(db, clock, office, school)
    later = school["start"] + 4 * 60 * MIN  # 14:00
    make_visit(
        household_id=school["homes"][1], lead_id=school["jasmin"], start=later, status="approved"
    )
    gateway.text("BLUEBELL", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.visit_id is None and alarm.staff_id == school["jasmin"]
    assert "next visit Ahmed family, 1 Hill St, Birmingham, B17 0AB at 13:45" in alarm.reason


def test_the_same_text_listed_twice_by_the_gateway_raises_once(db, clock, office, gateway, school):
    back_at_school(db, clock, office, school)
    gateway.text("bluebell", clock.now())
    gateway.messages.append(dict(gateway.messages[-1]))  # the gateway lists it again
    poll(db, clock, gateway)
    poll(db, clock, gateway)
    again = gateway.messages[-1]
    service = InboundTextService(db, clock)
    assert (
        service.process(
            Inbound(again["sid"], again["from"], "+447700900000", "bluebell", clock.now())
        )
        is None
    )
    assert len(open_alarms(db)) == 1 and len(texts(db)) == 1
    assert replies(db) == ["Thanks, noted."]


def test_a_second_safe_word_folds_into_her_open_alarm(db, clock, office, gateway, school):
    back_at_school(db, clock, office, school)
    gateway.text("bluebell", clock.now())
    poll(db, clock, gateway)
    clock.advance(2 * MIN)
    gateway.text("bluebell please", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)  # one person, one open alarm
    assert alarm.reason.count("DURESS: Jasmin Patel") == 1  # one place, not a growing list
    assert alarm.reason.count("last known") == 1
    assert alarm.reason.endswith("; texted again 12:02")
    assert [t.alarm_id for t in texts(db)] == [alarm.id, alarm.id]


def test_the_monitor_raises_it_and_walks_the_ladder_then_take_and_resolve_work(
    db, clock, office, gateway, school, monkeypatch, tmp_path
):
    from hvdesk.notify.monitor import Monitor

    monitor_can_text(db, clock, gateway, monkeypatch, tmp_path)
    linda_on_the_ladder(db, clock, gateway, priya=True)
    back_at_school(db, clock, office, school)
    monitor = Monitor(db, clock, beat_s=0)
    gateway.text("bluebell", clock.now())
    report = monitor.tick()
    assert report.holds_lease and report.texts is not None and len(report.texts.handled) == 1
    [alarm] = open_alarms(db)
    sent = {m["To"]: m["Body"] for m in gateway.sent}
    assert sent["+447700900123"] == "Thanks, noted."
    told = sent[LINDA]  # duress does not wait: the first contact at once
    assert "DURESS: staff need help now (since 12:00)" in told
    assert "Jasmin Patel - no visit out; last known: back from Clarke family" in told
    assert f"reply TAKE {alarm_code(alarm.id)}" in told
    assert "bluebell" not in told.lower() and PRIYA not in sent

    clock.advance(2 * MIN)
    monitor.tick()
    assert PRIYA in {m["To"] for m in gateway.sent}  # nobody took it: the next contact

    AlarmService(db, clock).acknowledge(office, alarm.id)
    monitor.tick()
    handled = [m["Body"] for m in gateway.sent if "handled by" in m["Body"]]
    assert len(handled) == 2
    assert all("the alarm for Jasmin Patel (no visit out) is handled by" in b for b in handled)
    AlarmService(db, clock).resolve(
        office, alarm.id, "safe_delayed", "rang Jasmin 12:03: a misdial, she is fine"
    )
    assert open_alarms(db) == []
    handling = (EventKind.ALARM_ACKNOWLEDGED.value, EventKind.ALARM_RESOLVED.value)
    kinds = [e.kind for e in _events(db, alarm.id) if e.kind in handling]
    assert kinds == list(handling)  # the audit trail of the person's alarm


def test_a_contact_takes_it_by_text_and_the_reply_names_the_person(
    db, clock, office, gateway, school
):
    linda_on_the_ladder(db, clock, gateway, priya=True)
    back_at_school(db, clock, office, school)
    alarm = texted(db, clock, gateway)
    code = alarm_code(alarm.id)
    gateway.text(f"TAKE {code}", clock.now() + MIN, sender=LINDA)
    clock.advance(2 * MIN)
    poll(db, clock, gateway)
    taken = AlarmService(db, clock).get(alarm.id)
    assert taken.acknowledged_by == "Linda Francis"
    assert replies(db)[-1].startswith(
        f"hvdesk: alarm {code} is yours (Jasmin Patel, no visit recorded as out)."
    )


def test_the_notifications_screen_lists_the_alarm_messages_of_a_person_alarm(
    db, clock, office, gateway, school
):
    linda_on_the_ladder(db, clock, gateway, priya=True)
    back_at_school(db, clock, office, school)
    gateway.text("bluebell", clock.now() - timedelta(seconds=5))
    poll(db, clock, gateway)
    from hvdesk.services.notifications import NotificationService

    [alarm] = open_alarms(db)
    listed = NotificationService(db, clock).outbox()  # the Notifications screen's list
    assert [(m.recipient, m.kind, m.visit_id) for m in listed if m.alarm_id == alarm.id] == [
        (LINDA, "alarm", None)
    ]
    assert [m.body for m in listed if m.kind == "text_reply"] == ["Thanks, noted."]
    [row] = InboundTextService(db, clock).recent()  # the texts-in list beside it
    assert row.outcome == f"DURESS raised, alarm {alarm.id}" and row.who == "Jasmin Patel"
    assert "bluebell" not in row.text.lower()


def test_a_morning_visit_never_marked_out_is_not_where_she_is_after_coming_back(
    db, clock, office, gateway, school, make_visit
):
    early = school["start"] - 90 * MIN  # 08:30: approved, never departed, nobody cancelled it
    make_visit(
        household_id=school["homes"][1], lead_id=school["jasmin"], start=early, status="approved"
    )
    back_at_school(db, clock, office, school)
    alarm = texted(db, clock, gateway)
    assert alarm.visit_id is None and alarm.staff_id == school["jasmin"]
    assert "last known: back from Clarke family, 1 Hill St, Birmingham, B17 0AB at 11:30" in (
        alarm.reason
    )


def _two_out(db, clock, office, school, make_visit) -> int:
    second = second_visit_out(db, clock, office, school, make_visit)
    clock.set(school["start"] + 20 * MIN)
    return second


def test_with_two_visits_out_the_duress_is_on_both_timelines(
    db, clock, office, gateway, school, make_visit
):
    second = _two_out(db, clock, office, school, make_visit)
    alarm = texted(db, clock, gateway)
    assert alarm.visit_id is None
    duress = [e for e in _events(db, alarm.id) if e.kind == EventKind.DURESS.value]
    assert sorted(e.visit_id for e in duress) == sorted([school["visit"], second])
    assert {e.staff_id for e in duress} == {school["jasmin"]}


def test_her_alarm_details_carry_the_car_each_visit_out_went_in(
    db, clock, office, gateway, school, make_visit
):
    """The window shows each visit's own car (as her sheet does), read after the session closed."""
    from hvdesk.models import Staff, Visit

    with db.transaction() as s:
        jasmin = s.get(Staff, school["jasmin"])
        jasmin.vehicle_registration, jasmin.vehicle_make = "XY34 ZZZ", "Kia"
        s.get(Visit, school["visit"]).vehicle_staff_id = jasmin.id
    _two_out(db, clock, office, school, make_visit)
    alarm = texted(db, clock, gateway)
    [detail] = AlarmService(db, clock).details(without_visit=True)
    assert detail.alarm.id == alarm.id and detail.person is not None
    cars = {v.id: v.vehicle_staff for v in detail.person.visits}
    assert cars[school["visit"]] is not None
    assert cars[school["visit"]].vehicle_registration == "XY34 ZZZ"
    assert [c for v, c in cars.items() if v != school["visit"]] == [None]  # booked with no car


def test_take_with_two_visits_out_names_both_visits(db, clock, office, gateway, school, make_visit):
    linda_on_the_ladder(db, clock, gateway, priya=True)
    _two_out(db, clock, office, school, make_visit)
    alarm = texted(db, clock, gateway)
    gateway.text(f"TAKE {alarm_code(alarm.id)}", clock.now() + MIN, sender=LINDA)
    clock.advance(2 * MIN)
    poll(db, clock, gateway)
    reply = replies(db)[-1]
    assert "(Jasmin Patel, 2 visits out: Clarke family" in reply
    assert "no visit recorded as out" not in reply


def test_an_incident_recorded_from_her_alarm_names_her_and_where_she_was(
    db, clock, office, gateway, school
):
    from hvdesk.services.incidents import IncidentInput, IncidentService

    back_at_school(db, clock, office, school)
    alarm = texted(db, clock, gateway)
    row = IncidentService(db, clock).record(
        office, IncidentInput(what="Safe word by text", alarm_id=alarm.id)
    )
    assert row.people == "Jasmin Patel"
    assert row.place == (
        "no visit out; last known: back from Clarke family, 1 Hill St, Birmingham, B17 0AB at 11:30"
    )
    assert row.visit_id is None and row.alarm_id == alarm.id


def test_her_alarm_shows_duress_on_the_board_rows_of_both_visits_out(
    db, clock, office, gateway, school, make_visit
):
    second = _two_out(db, clock, office, school, make_visit)
    alarm = texted(db, clock, gateway)
    board = TrackerService(db, clock).board()
    for visit_id in (school["visit"], second):
        row = board.row(visit_id)
        assert row is not None and row.state.alarm_level.name == "DURESS"
        assert alarm.id in row.open_alarm_ids
    rows = TrackerService(db, clock).rows_for([second], board.policy)  # one change's reload
    assert [r.state.alarm_level.name for r in rows] == ["DURESS"]


# her police information sheet, printed


def _pdf_text(pdf: bytes) -> str:
    """The PDF's words with whitespace collapsed, so a wrapped line reads as one."""
    import io
    import re

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


def _described(db, school) -> None:
    """Jasmin as the police need her; the Ahmed family at an address of its own."""
    from hvdesk.models import Household, Staff

    with db.transaction() as s:
        jasmin = s.get(Staff, school["jasmin"])
        jasmin.description = "Female, 30s, 5ft 6, long dark hair, red coat"
        jasmin.vehicle_make, jasmin.vehicle_model = "Ford", "Fiesta"
        jasmin.vehicle_colour, jasmin.vehicle_registration = "Blue", "AB12 CDE"
        ahmed = s.get(Household, school["homes"][1])
        ahmed.address, ahmed.postcode = "22 Elm Road, Quinton", "B32 1AA"


def _printed(db, clock, office, alarm_id: int, folder) -> str:
    """Her sheet made as the office would print it; kept in `folder` to look at."""
    from hvdesk.services.printing import PrintService

    path = PrintService(db, clock).to_file(
        office, "person-police-sheet", folder / "person-police-sheet.pdf", alarm_id=alarm_id
    )
    return _pdf_text(path.read_bytes())


def _in_toms_car(db, school) -> None:
    """The Clarke family visit went in Tom's car, not Jasmin's."""
    from hvdesk.models import Staff, Visit

    with db.transaction() as s:
        tom = s.get(Staff, school["tom"])
        tom.vehicle_make, tom.vehicle_model = "Toyota", "Yaris"
        tom.vehicle_colour, tom.vehicle_registration = "Silver", "XY34 ZZZ"
        s.get(Visit, school["visit"]).vehicle_staff_id = school["tom"]


def test_her_police_sheet_with_two_visits_out_names_her_and_both_addresses(
    db, clock, office, gateway, school, make_visit, tmp_path
):
    """Each visit out with the car it went in, its times and its last contact; her own car is
    not where she is (neither visit used it)."""
    _described(db, school)
    _in_toms_car(db, school)
    second = _two_out(db, clock, office, school, make_visit)
    tracker = TrackerService(db, clock)
    clock.set(school["start"] + 10 * MIN)
    tracker.arrive(office, second)
    clock.set(school["start"] + 15 * MIN)
    tracker.left_property(office, second)
    clock.set(school["start"] + 20 * MIN)
    alarm = texted(db, clock, gateway, "can you ring me about the bluebell order")
    text = _printed(db, clock, office, alarm.id, tmp_path)
    for words in (
        "Police information sheet",
        "DURESS: Jasmin Patel needs help now (2 visits out)",
        "DURESS (code word used) at 10:20 on",
        "Jasmin Patel",
        "Female, 30s, 5ft 6, long dark hair, red coat",
        "07700 900123",
        "2 visits out: Clarke family, 1 Hill St, Birmingham, B17 0AB; Ahmed family, 22 Elm Road, "
        "Quinton, B32 1AA",
        "Visit out 1 of 2: Clarke family",
        "Visit out 2 of 2: Ahmed family",
        "1 Hill St Birmingham B17 0AB",  # each address as a block, for officers to go to
        "22 Elm Road Quinton B32 1AA",
        "Tom Lee 07700 900456",  # who else is at the Clarke family's
        "Nobody: lone visit",
        "Registration XY34 ZZZ Make and model Toyota Yaris Colour Silver Driver Tom Lee",
        "Left school 09:45",  # the Clarke family: departed, nothing since
        "Arrived Not confirmed",
        "Last contact Departed at Tue 24 Nov 2026 09:45",
        "Arrived 10:10",  # the Ahmed family: arrived and left the property
        "Left the property 10:15",
        "Last contact Left the property at Tue 24 Nov 2026 10:15",
    ):
        assert words in text, f"{words!r} not on the sheet"
    for wrong in ("AB12 CDE", "Ford Fiesta", "own car"):  # neither visit went in her car
        assert wrong not in text
    assert text.count("Vehicle None: on foot or public transport") == 1  # the Ahmed family
    assert "bluebell" not in text.lower()  # never the safe word itself
    with db.read() as s:
        [printed] = s.scalars(select(Event).where(Event.kind == EventKind.PRINTED.value)).all()
    assert printed.alarm_id == alarm.id and printed.staff_id == school["jasmin"]
    assert printed.data["form"] == "person-police-sheet" and printed.visit_id is None
    assert second != school["visit"]


def test_her_police_sheet_with_no_visit_out_says_where_she_was_last_known(
    db, clock, office, gateway, school, tmp_path
):
    _described(db, school)
    back_at_school(db, clock, office, school)
    alarm = texted(db, clock, gateway)
    text = _printed(db, clock, office, alarm.id, tmp_path)
    for words in (
        "DURESS: Jasmin Patel needs help now (no visit out)",
        "DURESS (code word used) at 12:00 on",
        "no visit out; last known: back from Clarke family, 1 Hill St, Birmingham, B17 0AB at "
        "11:30",
        "Female, 30s",
        "Vehicle: own car (staff record)",  # with no visit out, her own car is all there is
        "Registration AB12 CDE Make and model Ford Fiesta",
        "Texted from 07700 900123 at",
    ):
        assert words in text, f"{words!r} not on the sheet"
    assert "Visit out" not in text


def test_her_sheet_names_the_number_the_safe_word_came_from_and_both_her_numbers(
    db, clock, office, gateway, school, tmp_path
):
    """Matched by her lone working assessment's mobile, not her staff record's: the sheet says
    the number that texted, and the Mobile cell lists both. No car on record is said as such."""
    from hvdesk.services.lone_working import LoneWorkingInput, LoneWorkingService

    back_at_school(db, clock, office, school)
    signed = clock.now().date()
    form = LoneWorkingInput("07700 900789", "bluebell", "bluebell", signed, True, "4821", "4821")
    LoneWorkingService(db, clock).record(office, school["jasmin"], form)
    gateway.text("bluebell", clock.now(), sender="+447700900789")
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    text = _printed(db, clock, office, alarm.id, tmp_path)
    assert "Texted from 07700 900789 at" in text
    assert "by text from 07700 900123" not in text
    assert "07700 900123 (staff record); 07700 900789 (texted from)" in text
    assert "No car on record" in text and "on foot" not in text


def test_the_person_sheet_is_refused_for_an_alarm_on_a_visit_and_an_unknown_alarm(
    db, clock, office, gateway, school
):
    import pytest

    from hvdesk.errors import HvdeskError, NotFound
    from hvdesk.services.printing import PrintService

    clock.set(school["start"] + 5 * MIN)
    alarm = texted(db, clock, gateway)  # on the one visit she has out
    assert alarm.visit_id == school["visit"]
    printer = PrintService(db, clock)
    with pytest.raises(HvdeskError, match=f"on visit {school['visit']}: print that visit's") as e:
        printer.make(office, "person-police-sheet", alarm_id=alarm.id)
    assert f"hvdesk print police-sheet --visit {school['visit']}" in str(e.value)
    with pytest.raises(NotFound):
        printer.make(office, "person-police-sheet", alarm_id=99999)
    with pytest.raises(HvdeskError, match="printed for one alarm about a person"):
        printer.make(office, "person-police-sheet", visit_id=school["visit"])


def test_the_print_command_makes_her_sheet(
    db, clock, office, gateway, school, tmp_path, capsys, monkeypatch
):
    from hvdesk.cli import main

    back_at_school(db, clock, office, school)
    alarm = texted(db, clock, gateway)
    monkeypatch.setenv("HVDESK_PASSWORD", "password123")  # the `office` fixture's user
    out = tmp_path / "sheet.pdf"
    args = ["print", "person-police-sheet", "--alarm", str(alarm.id), "--out", str(out)]
    assert main([*args, "--db", db.url, "--user", "t_office"]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert "Jasmin Patel" in _pdf_text(out.read_bytes())
    assert main([*args[:2], "--visit", "1", "--out", str(out), "--db", db.url]) == 2
    assert "give --alarm ID" in capsys.readouterr().err
    assert main([*args[:2], "--alarm", "abc", "--out", str(out), "--db", db.url]) == 2
    assert "--alarm 'abc' is not an alarm number" in capsys.readouterr().err
    assert main(["texts", "list", "--db", db.url]) == 0  # where the office finds the number
    assert f"DURESS raised, alarm {alarm.id}" in capsys.readouterr().out


def test_a_visit_sheet_after_a_texted_safe_word_does_not_say_she_took_her_own_call(
    db, clock, office, gateway, school
):
    """'taken by' names the office user who took a duress call; a text was taken by nobody."""
    from hvdesk.services.printing import PrintService

    clock.set(school["start"] + 5 * MIN)
    texted(db, clock, gateway)
    pdf = PrintService(db, clock).to_bytes(office, "police-sheet", visit_id=school["visit"])
    text = _pdf_text(pdf)
    assert (
        "DURESS (code word used) at 10:05 on 24 Nov 2026: safe word by text from 07700 900123"
        in text
    )
    assert "taken by Jasmin Patel" not in text


def test_a_safe_word_the_gateway_held_is_on_the_timelines_and_her_sheet_when_she_sent_it(
    db, clock, office, gateway, school, make_visit, tmp_path
):
    """Like every text, a duress speaks for when it was sent: sent 10:19, fetched 10:21."""
    _two_out(db, clock, office, school, make_visit)  # 10:20
    gateway.text("bluebell", clock.now() - MIN)
    clock.advance(MIN)
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.raised_at == clock.now()  # the ladder runs from when hvdesk knew
    duress = [e for e in _events(db, alarm.id) if e.kind == EventKind.DURESS.value]
    assert len(duress) == 2 and {e.at for e in duress} == {clock.now() - 2 * MIN}
    text = _printed(db, clock, office, alarm.id, tmp_path)
    assert "DURESS (code word used) at 10:19 on 24 Nov 2026" in text


def test_the_contacts_are_told_when_a_held_safe_word_was_sent_and_when_hvdesk_knew(
    db, clock, office, gateway, school, make_visit
):
    """Sent 10:19, fetched 10:20: the message says both, as her timeline and the reason do."""
    linda_on_the_ladder(db, clock, gateway)
    _two_out(db, clock, office, school, make_visit)  # 10:20
    gateway.text("bluebell", clock.now() - MIN)
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert "needs help now, 10:19:" in alarm.reason
    [told] = _bodies_to(db, LINDA)
    assert "DURESS: staff need help now (sent 10:19, reached hvdesk 10:20)." in told


def test_the_contacts_are_told_when_a_held_safe_word_on_her_visit_was_sent(
    db, clock, office, gateway, school
):
    linda_on_the_ladder(db, clock, gateway)
    clock.set(school["start"] + 40 * MIN)
    gateway.text("bluebell", clock.now())  # on her one visit out
    clock.advance(MIN)
    poll(db, clock, gateway)
    [told] = _bodies_to(db, LINDA)
    assert "DURESS: staff need help now (sent 10:40, reached hvdesk 10:41)." in told


def test_a_safe_word_held_half_an_hour_says_when_it_reached_hvdesk(
    db, clock, office, gateway, school, tmp_path
):
    """Like every other text, the duress note says the delay: the sheet's 'at 10:05' for an
    alarm raised at 10:35 is explained, on the visit's sheet and on the person's."""
    from hvdesk.services.printing import PrintService

    clock.set(school["start"] + 5 * MIN)
    gateway.text("bluebell", clock.now())  # on her one visit out
    clock.advance(30 * MIN)
    poll(db, clock, gateway)
    pdf = PrintService(db, clock).to_bytes(office, "police-sheet", visit_id=school["visit"])
    assert (
        "DURESS (code word used) at 10:05 on 24 Nov 2026: safe word by text from 07700 900123 "
        "(sent 10:05, reached hvdesk 10:35)" in _pdf_text(pdf)
    )
    TrackerService(db, clock).returned(office, school["visit"])
    clock.set(school["start"] + 2 * 60 * MIN)
    gateway.text("bluebell", clock.now())  # back at school
    clock.advance(30 * MIN)
    poll(db, clock, gateway)
    [alarm] = [a for a in open_alarms(db) if a.visit_id is None]
    text = _printed(db, clock, office, alarm.id, tmp_path)
    assert "(sent 12:00, reached hvdesk 12:30)" in text


def test_her_sheet_after_three_wrong_pins_says_possible_duress_and_why(
    db, clock, office, gateway, school, tmp_path
):
    back_at_school(db, clock, office, school)
    for pin in ("1111", "2222", "3333"):
        gateway.text(f"OK {pin}", clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    assert alarm.level == "amber" and alarm.visit_id is None
    text = _printed(db, clock, office, alarm.id, tmp_path)
    assert "Possible duress: Jasmin Patel (no visit out)" in text
    assert "Raised at Tue 24 Nov 2026 12:00: Possible duress: 3 wrong PINs in a row" in text
    assert "DURESS" not in text  # no safe word was used: not read to 999 as one
