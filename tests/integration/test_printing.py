"""Printed forms from the demo school: every field is on the page, nothing is cut off, each print is
audited, and the headless `print` command gives clear errors. PDFs are read back with pypdf."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select

from hvdesk.cli import main
from hvdesk.clock import fmt_datetime, fmt_time, from_london, london
from hvdesk.errors import HvdeskError, NotAllowed, NotFound
from hvdesk.events import EventKind
from hvdesk.models import (
    STATUS_LABELS,
    CancelReason,
    Event,
    Household,
    LoneWorkingAssessment,
    Role,
    Staff,
    Visit,
    VisitStatus,
)
from hvdesk.printing import FORMS, visit_form_problem
from hvdesk.printing.lone_working import DECLARATION
from hvdesk.printing.visit_record import expected_checkins
from hvdesk.rules.known_risks import current_risks, risk_summary
from hvdesk.rules.risk import ST_HUGHS_HAZARDS
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.printing import PrintService
from hvdesk.services.settings import SettingsService

SCHOOL_PHONE = "+441214960123"  # Ofcom drama range: 0121 496 0123
ZOE = "Zoë Brontë-Núñez"


# helpers


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, so wrapped lines read as one."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def flat(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def assert_on(text: str, *values: str) -> None:
    missing = [v for v in values if flat(v) not in text]
    assert not missing, f"missing from the PDF: {missing}"


def staff_named(db, name: str) -> Staff:
    with db.read() as s:
        return s.scalar(select(Staff).where(Staff.name == name))


def load_visit(db, visit_id: int) -> Visit:
    from hvdesk.services.visits import VisitQueries

    return VisitQueries(db, None).get(visit_id)  # type: ignore[arg-type]


def zoe_out_now(db) -> Visit:
    """The demo visit on site now with Jasmin Patel and Zoë, checked in earlier."""
    zoe = staff_named(db, ZOE)
    with db.read() as s:
        visit_id = s.scalar(
            select(Visit.id).where(
                Visit.companion_staff_id == zoe.id, Visit.status == VisitStatus.ON_SITE.value
            )
        )
    return load_visit(db, visit_id)


def safety_cancelled(db, clock) -> Visit:
    with db.read() as s:
        visit_id = s.scalar(
            select(Visit.id).where(Visit.cancel_reason == CancelReason.SAFETY_CONCERN.value)
        )
    if visit_id is None:  # the demo's random reasons changed: make one
        with db.transaction() as s:
            visit = s.scalar(select(Visit).where(Visit.status == VisitStatus.APPROVED.value))
            visit.status = VisitStatus.CANCELLED.value
            visit.cancel_reason = CancelReason.SAFETY_CONCERN.value
            visit.cancel_note = "Unknown adults at the door, appeared intoxicated"
            visit.cancelled_at = clock.now()
            s.add(
                Event(
                    at=clock.now(),
                    kind=EventKind.CANCELLED.value,
                    user_name="Sam Office",
                    visit_id=visit.id,
                    note=visit.cancel_note,
                )
            )
            s.flush()
            visit_id = visit.id
    return load_visit(db, visit_id)


def person_alarm(db, clock) -> int:
    """Zoë texted her safe word with no one visit to raise it on: an alarm about her."""
    from hvdesk.models import AlarmLevel
    from hvdesk.services.alarms import AlarmService, StaffRaise

    zoe = staff_named(db, ZOE)
    raised = StaffRaise(zoe.id, zoe.name, AlarmLevel.DURESS, f"DURESS: {zoe.name}", "duress@t")
    alarms = AlarmService(db, clock)
    with db.transaction() as s:
        return alarms.raise_for_staff(s, Actor(None, zoe.name), raised, clock.now()).id


def events(db, **where) -> list[Event]:
    with db.read() as s:
        stmt = select(Event).where(Event.kind == EventKind.PRINTED.value)
        for key, value in where.items():
            stmt = stmt.where(getattr(Event, key) == value)
        return list(s.scalars(stmt.order_by(Event.id)))


def reveals(db) -> list[Event]:
    with db.read() as s:
        return list(
            s.scalars(select(Event).where(Event.kind == EventKind.SAFE_WORD_REVEALED.value))
        )


@pytest.fixture
def printer(demo_db, clock, office) -> PrintService:
    SettingsService(demo_db, clock).save_school(
        office, {"phone": SCHOOL_PHONE, "address": "Harborne Park Road, Birmingham B17 0BS"}
    )
    return PrintService(demo_db, clock)


# each form, every field


def test_lone_working_form_has_every_field_and_default_hazards(printer, demo_db, office):
    zoe = staff_named(demo_db, ZOE)
    result = printer.make(office, "lone-working", staff_id=zoe.id)
    pages = pages_text(result.pdf)
    text = " ".join(pages)
    assert result.pages == len(pages) == 1
    assert_on(
        text,
        "Harborne Primary School",
        "Lone Working Risk Assessment",
        ZOE,
        "SENCo",
        "07700 900901",
        "Yellow Fiat 500 HL17 EFG",
        DECLARATION,
        "My mobile telephone number is",
        "My safe word is",
        "Signed",
        "Date and time",
        "Printed Tue 24 Nov 2026 09:00 — page 1 of 1",
        "CONFIDENTIAL",
    )
    for hz in ST_HUGHS_HAZARDS:  # Zoë has no assessment on file: the St Hugh's table
        assert_on(text, str(hz["hazard"]), str(hz["people"]), str(hz["controls"]))
        assert_on(text, str(hz["severity_text"]), "Remote possibility", "Low")
    for header in ("Hazards", "People", "Severity of harm", "Likelihood", "Risk level", "Controls"):
        assert header in text


def test_safe_word_is_blank_unless_chosen_and_its_printing_is_audited(printer, demo_db, office):
    jasmin = staff_named(demo_db, "Jasmin Patel")
    with demo_db.read() as s:
        word = s.scalar(
            select(LoneWorkingAssessment.safe_word).where(
                LoneWorkingAssessment.staff_id == jasmin.id
            )
        )
    plain = " ".join(pages_text(printer.to_bytes(office, "lone-working", staff_id=jasmin.id)))
    assert word not in plain
    assert_on(plain, "My safe word is", "07700 900123", "Jasmin Patel")
    shown = printer.to_bytes(office, "lone-working", staff_id=jasmin.id, print_safe_word=True)
    assert_on(" ".join(pages_text(shown)), f"My safe word is {word}")
    printed = events(demo_db, staff_id=jasmin.id)
    assert [e.data["safe_word_printed"] for e in printed] == [False, True]
    assert all(e.note == "Lone Working Risk Assessment" for e in printed)
    with demo_db.read() as s:
        [reveal] = s.scalars(
            select(Event).where(Event.kind == EventKind.SAFE_WORD_REVEALED.value)
        ).all()
    assert reveal.staff_id == jasmin.id and reveal.user_name == "Sam Office"
    assert reveal.data["printed"] is True


def test_visitors_cannot_print_safe_words(printer, demo_db, visitor):
    jasmin = staff_named(demo_db, "Jasmin Patel")
    with pytest.raises(NotAllowed):
        printer.make(visitor, "lone-working", staff_id=jasmin.id, print_safe_word=True)
    assert printer.make(visitor, "lone-working", staff_id=jasmin.id).pages == 1


def test_only_signed_in_office_or_approver_prints_safe_words(printer, demo_db, approver):
    """DESIGN: safe words are shown to office and approvers only; admins and made-up actors not."""
    jasmin = staff_named(demo_db, "Jasmin Patel")
    for actor in (
        Actor(None, "root (command line)", Role.ADMIN.value),  # the old headless actor
        Actor(None, "nobody", Role.OFFICE.value),  # an office role with no account behind it
        Actor(999_999, "ghost", Role.APPROVER.value),
    ):
        with pytest.raises(NotAllowed):
            printer.make(actor, "lone-working", staff_id=jasmin.id, print_safe_word=True)
    assert events(demo_db) == [] and reveals(demo_db) == []
    printer.make(approver, "lone-working", staff_id=jasmin.id, print_safe_word=True)
    assert [r.user_name for r in reveals(demo_db)] == ["Linda Francis"]


def test_visit_record_has_who_where_when_and_checkins(printer, demo_db, office):
    visit = zoe_out_now(demo_db)
    h = visit.household
    result = printer.make(office, "visit-record", visit_id=visit.id)
    text = " ".join(pages_text(result.pdf))
    assert_on(
        text,
        "Jasmin Patel (Attendance Officer) 07700 900123",
        f"{ZOE} (SENCo) 07700 900901",
        *[ln for ln in h.address.splitlines()],
        h.postcode,
        display_phone(h.phone),
        h.parents_carers,
        visit.purpose_label,
        fmt_time(visit.planned_departure),
        fmt_time(visit.expected_return),
        f"{fmt_time(visit.start)}–{fmt_time(visit.end)}",
        "Sam Office, 0121 496 0123",
        "Blue Ford Fiesta AB12 CDE",
        risk_summary(h),
        "Before the visit (leaving school)",
        "After leaving the property",
        "Confirmation of return",
        "Returned to school at",
        "approved by Linda Francis",
    )
    policy = SettingsService(demo_db, printer.clock).policy()
    for _label, at in expected_checkins(
        visit.planned_departure, visit.end, visit.expected_return, policy
    ):
        assert fmt_time(at) in text
    assert [e.note for e in events(demo_db, visit_id=visit.id)] == [
        "Home visit record and itinerary"
    ]


def test_times_are_london_time_in_summer(printer, demo_db, office):
    """10:00 BST is 09:00 UTC: the form must say 10:00."""
    visit = zoe_out_now(demo_db)
    start = from_london(datetime(2026, 6, 10, 10, 0))
    assert start == datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    with demo_db.transaction() as s:
        v = s.get(Visit, visit.id)
        v.planned_departure = start - timedelta(minutes=15)
        v.start, v.end = start, start + timedelta(minutes=45)
        v.expected_return = start + timedelta(minutes=60)
    text = " ".join(pages_text(printer.to_bytes(office, "visit-record", visit_id=visit.id)))
    assert_on(text, "10:00–10:45", "09:45", "11:00", "10 Jun 2026")
    assert "09:00–09:45" not in text


def test_expected_checkins_every_interval_plus_before_and_after(printer, demo_db):
    policy = SettingsService(demo_db, printer.clock).policy().with_changes(checkin_interval_min=60)
    dep = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    items = expected_checkins(
        dep, dep + timedelta(minutes=150), dep + timedelta(minutes=165), policy
    )
    assert [(label, fmt_time(at)) for label, at in items] == [
        ("Before the visit (leaving school)", "09:00"),
        ("While out", "10:00"),
        ("While out", "11:00"),
        ("After leaving the property", "11:30"),
    ]


def test_appointment_letter_in_plain_words(printer, demo_db, office):
    visit = zoe_out_now(demo_db)
    local = london(visit.start)
    text = " ".join(pages_text(printer.to_bytes(office, "appointment-letter", visit_id=visit.id)))
    first = visit.pupil.name.split()[0]
    assert_on(
        text,
        f"{local:%A} {local.day} {local:%B %Y} at {fmt_time(visit.start)}",
        "Jasmin Patel (Attendance Officer) and Zoë Brontë-Núñez (SENCo)",
        f"to talk with you about {first}'s attendance at school",
        "please phone the school office on 0121 496 0123",
        f"HV{visit.id}",
        visit.household.postcode,
        "Dear Mrs Begum",
    )


def test_sorry_slip_has_time_names_and_number(printer, demo_db, office):
    visit = zoe_out_now(demo_db)
    text = " ".join(pages_text(printer.to_bytes(office, "sorry-slip", visit_id=visit.id)))
    assert_on(
        text,
        "Sorry you weren't in",
        f"at {fmt_time(visit.arrived_at)}",
        f"We were Jasmin Patel and {ZOE}",
        "Please phone us on 0121 496 0123",
    )


def set_status(db, visit_id: int, status: VisitStatus) -> None:
    with db.transaction() as s:
        s.get(Visit, visit_id).status = status.value


APPOINTMENT_OK = {
    VisitStatus.APPROVED,
    VisitStatus.OUT,
    VisitStatus.ON_SITE,
    VisitStatus.LEFT_PROPERTY,
}
APPOINTMENT_REFUSED = {
    VisitStatus.DRAFT: "approve the visit first",
    VisitStatus.AWAITING_APPROVAL: "approve the visit first",
    VisitStatus.REJECTED: "must not be told staff will come",
    VisitStatus.CANCELLED: "must not be told staff will come",
    VisitStatus.RETURNED: "this visit has already happened",
    VisitStatus.COMPLETED: "this visit has already happened",
}


def test_every_visit_state_is_decided_for_the_letters():
    assert APPOINTMENT_OK | set(APPOINTMENT_REFUSED) == set(VisitStatus)


@pytest.mark.parametrize("status", sorted(APPOINTMENT_REFUSED))
def test_appointment_letter_refused_unless_approved(printer, demo_db, office, status):
    visit = zoe_out_now(demo_db)
    set_status(demo_db, visit.id, status)
    label = STATUS_LABELS[status].lower()
    with pytest.raises(HvdeskError) as caught:
        printer.make(office, "appointment-letter", visit_id=visit.id)
    assert f"Visit {visit.id} is {label}" in str(caught.value)
    assert APPOINTMENT_REFUSED[status] in str(caught.value)
    assert visit_form_problem("appointment-letter", load_visit(demo_db, visit.id))
    assert events(demo_db) == []  # nothing printed, nothing recorded


@pytest.mark.parametrize("status", sorted(APPOINTMENT_OK))
def test_appointment_letter_for_approved_and_under_way(printer, demo_db, office, status):
    visit = zoe_out_now(demo_db)
    set_status(demo_db, visit.id, status)
    assert printer.make(office, "appointment-letter", visit_id=visit.id).pages == 1
    assert visit_form_problem("appointment-letter", load_visit(demo_db, visit.id)) is None


@pytest.mark.parametrize("status", list(VisitStatus))
def test_sorry_slip_before_or_after_but_not_for_a_visit_that_is_off(
    printer, demo_db, office, status
):
    visit = zoe_out_now(demo_db)
    set_status(demo_db, visit.id, status)
    if status in (VisitStatus.CANCELLED, VisitStatus.REJECTED):
        with pytest.raises(HvdeskError, match=f"is {status.value}, so nobody will call"):
            printer.make(office, "sorry-slip", visit_id=visit.id)
        assert events(demo_db) == []
    else:  # staff carry the slip out with them, so it may be printed before the visit
        assert printer.make(office, "sorry-slip", visit_id=visit.id).pages == 1


def test_cli_refuses_a_letter_for_an_unapproved_visit(demo_db, tmp_path, capsys, signed_in):
    visit = zoe_out_now(demo_db)
    set_status(demo_db, visit.id, VisitStatus.AWAITING_APPROVAL)
    out = tmp_path / "letter.pdf"
    db_path = str(demo_db.engine.url.database)
    argv = ["print", "appointment-letter", "--visit", str(visit.id), "--out", str(out), *signed_in]
    assert main([*argv, "--db", db_path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hvdesk: Visit {visit.id} is awaiting approval")
    assert "approve the visit first" in err and "Traceback" not in err
    assert not out.exists()


def test_safety_cancellation_note(printer, demo_db, clock, office):
    visit = safety_cancelled(demo_db, clock)
    with demo_db.read() as s:
        who = s.scalar(
            select(Event.user_name).where(
                Event.visit_id == visit.id, Event.kind == EventKind.CANCELLED.value
            )
        )
    text = " ".join(pages_text(printer.to_bytes(office, "safety-cancellation", visit_id=visit.id)))
    assert_on(
        text,
        "Safety cancellation note",
        "To Headteacher",
        "Safety concern",
        visit.cancel_note,
        f"Decided by {who}",
        f"When {fmt_datetime(visit.cancelled_at)}",
        visit.household.name,
        visit.staff[0].name,
    )


def test_safety_note_refused_for_other_visits(printer, demo_db, office):
    visit = zoe_out_now(demo_db)
    with pytest.raises(HvdeskError, match="only for visits cancelled for a safety concern"):
        printer.make(office, "safety-cancellation", visit_id=visit.id)
    assert events(demo_db) == []  # nothing printed, nothing recorded


def test_police_sheet_has_descriptions_vehicle_risks_and_last_checkin(printer, demo_db, office):
    visit = zoe_out_now(demo_db)
    h = visit.household
    with demo_db.read() as s:
        last = s.scalars(
            select(Event)
            .where(
                Event.visit_id == visit.id,
                Event.kind.in_(["checked_in", "arrived", "departed"]),
            )
            .order_by(Event.at.desc(), Event.id.desc())
        ).first()
    text = " ".join(pages_text(printer.to_bytes(office, "police-sheet", visit_id=visit.id)))
    assert_on(
        text,
        "Police information sheet",
        "Jasmin Patel",
        "White woman, 40s, 5'6\", dark hair",
        ZOE,
        "Mixed-race woman, 40s, 5'8\", curly hair",
        "07700 900123",
        "07700 900901",
        "Registration AB12 CDE",
        "Make and model Ford Fiesta",
        "Colour Blue",
        *h.address.splitlines(),
        h.postcode,
        fmt_time(visit.expected_return),
        fmt_time(visit.arrived_at),
        f"Checked in at {fmt_datetime(last.at)}",
        "Emergency 999",
    )
    assert current_risks(h), "the demo household should have a known risk"
    for risk in current_risks(h):
        assert_on(text, risk.description)


def _with_agency_companion(db, visit_id: int) -> Visit:
    """Thomas More: the lead goes with someone from an outside agency instead of staff."""
    with db.transaction() as s:
        visit = s.get(Visit, visit_id)
        visit.companion_staff_id = None
        visit.companion_agency_name = "Ann Lee"
        visit.companion_agency_org = "Early Help"
        visit.companion_agency_phone = "+447700900111"
    return load_visit(db, visit_id)


def test_police_sheet_names_an_outside_agency_companion(printer, demo_db, office, tmp_path):
    visit = _with_agency_companion(demo_db, zoe_out_now(demo_db).id)
    pdf = printer.to_bytes(office, "police-sheet", visit_id=visit.id)
    text = " ".join(pages_text(pdf))
    assert_on(text, "Jasmin Patel", "Ann Lee", "Companion, Early Help", "07700 900111")
    (tmp_path / "police.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):  # looked at by eye while fixing; kept as a render check
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "police.pdf"),
             str(tmp_path / "police")],
            check=True,
        )  # fmt: skip
        assert list(tmp_path.glob("police*.png"))


def test_day_sheet_lists_the_london_day(printer, demo_db, clock, office):
    today = london(clock.now()).date()
    from hvdesk.services.visits import VisitQueries

    visits = VisitQueries(demo_db, clock).on_day(today)
    assert visits
    result = printer.make(office, "day-sheet", day=today)
    text = " ".join(pages_text(result.pdf))
    assert_on(text, "Home visits: Tuesday 24 November 2026")
    for v in visits:
        assert_on(text, f"{fmt_time(v.start)}–{fmt_time(v.end)}", v.household.postcode)
        for st in v.staff:
            assert_on(text, f"{st.name} {display_phone(st.mobile)}")
    assert events(demo_db)[-1].data == {
        "form": "day-sheet",
        "pages": result.pages,
        "day": "2026-11-24",
        "visits": len(visits),
    }


def test_empty_day_says_so(printer, office):
    text = " ".join(pages_text(printer.to_bytes(office, "day-sheet", day=date(2026, 12, 25))))
    assert_on(text, "No home visits are booked for this day.")


# long content flows onto more pages with the header repeated


def test_sixty_visit_day_sheet_flows_with_repeated_header(printer, demo_db, clock, office):
    day = date(2026, 12, 1)
    with demo_db.transaction() as s:
        households = list(s.scalars(select(Household).order_by(Household.id)))
        staff = list(s.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)))
        for i in range(60):
            start = from_london(datetime(2026, 12, 1, 7, 0)) + timedelta(minutes=12 * i)
            s.add(
                Visit(
                    household_id=households[i % len(households)].id,
                    purpose="attendance",
                    planned_departure=start - timedelta(minutes=15),
                    start=start,
                    end=start + timedelta(minutes=11),
                    expected_return=start + timedelta(minutes=26),
                    lead_staff_id=staff[i % len(staff)].id,
                    companion_staff_id=staff[(i + 1) % len(staff)].id,
                    status="approved",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    result = printer.make(office, "day-sheet", day=day)
    pages = pages_text(result.pdf)
    assert result.pages == len(pages) > 1
    for n, page in enumerate(pages, start=1):
        assert "Times Staff and mobiles Pupil and address" in page, f"no header on page {n}"
        assert f"page {n} of {len(pages)}" in page
    text = " ".join(pages)
    for i in range(60):
        start = from_london(datetime(2026, 12, 1, 7, 0)) + timedelta(minutes=12 * i)
        assert f"{fmt_time(start)}–{fmt_time(start + timedelta(minutes=11))}" in text


def test_long_hazard_list_flows_with_repeated_header(printer, demo_db, clock, office):
    zoe = staff_named(demo_db, ZOE)
    hazards = [
        {
            "hazard": f"Hazard number {i:02d}",
            "people": "Member of staff",
            "severity": 2,
            "likelihood": 2,
            "controls": f"Control for hazard {i:02d}. " + "Keep a safe distance. " * 6,
        }
        for i in range(40)
    ]
    with demo_db.transaction() as s:
        s.add(
            LoneWorkingAssessment(
                staff_id=zoe.id,
                mobile=zoe.mobile,
                safe_word="wombat",
                signed_on=date(2026, 11, 1),
                hazards=hazards,
                created_at=clock.now(),
            )
        )
    result = printer.make(office, "lone-working", staff_id=zoe.id)
    pages = pages_text(result.pdf)
    assert result.pages == len(pages) > 2
    for page in pages:
        if "Hazard number" in page:
            assert "Hazards People Severity of harm Likelihood Risk level Controls" in page
    text = " ".join(pages)
    for i in range(40):
        assert f"Hazard number {i:02d}" in text and f"Control for hazard {i:02d}." in text
    assert "Medium" in text and "Serious injury" in text and "Possible" in text
    assert DECLARATION in pages[-1]
    assert "wombat" not in text


def test_long_address_is_not_cut_off(printer, demo_db, office):
    visit = zoe_out_now(demo_db)
    lines = [f"Address line {i:02d} Long Lane" for i in range(90)]
    with demo_db.transaction() as s:
        s.get(Household, visit.household_id).address = "\n".join(lines)
    result = printer.make(office, "visit-record", visit_id=visit.id)
    text = " ".join(pages_text(result.pdf))
    assert result.pages > 1
    for line in lines:
        assert line in text
    assert "Confirmation of return" in text


# letterhead


def test_logo_is_drawn_and_a_bad_logo_does_not_stop_printing(
    printer, demo_db, clock, office, tmp_path
):
    from PIL import Image  # ReportLab's own dependency

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), (20, 60, 140)).save(logo)
    settings = SettingsService(demo_db, clock)
    settings.save_school(office, {"logo_path": str(logo)})
    zoe = staff_named(demo_db, ZOE)
    pdf = printer.to_bytes(office, "lone-working", staff_id=zoe.id)
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.images, "the logo should be on the page"
    logo.unlink()  # the logo file went missing after it was set: printing still works
    pdf = printer.to_bytes(office, "lone-working", staff_id=zoe.id)
    assert not pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images


# service errors


def test_wrong_selection_and_unknown_ids(printer, office):
    with pytest.raises(HvdeskError, match="printed for one staff member"):
        printer.make(office, "lone-working", visit_id=1)
    with pytest.raises(HvdeskError, match="cannot be given too"):
        printer.make(office, "visit-record", visit_id=1, day=date(2026, 11, 24))
    with pytest.raises(HvdeskError, match="Unknown form"):
        printer.make(office, "bogus", visit_id=1)
    with pytest.raises(NotFound):
        printer.make(office, "visit-record", visit_id=99999)
    with pytest.raises(NotFound):
        printer.make(office, "lone-working", staff_id=99999)


def test_file_is_written_and_audited(printer, demo_db, office, tmp_path):
    visit = zoe_out_now(demo_db)
    path = printer.to_file(office, "police-sheet", tmp_path / "police.pdf", visit_id=visit.id)
    assert path.read_bytes().startswith(b"%PDF")
    [event] = events(demo_db, visit_id=visit.id)
    assert event.note == "Police information sheet" and event.user_name == "Sam Office"
    assert event.household_id == visit.household_id and event.data["form"] == "police-sheet"
    assert list(tmp_path.glob(".hvdesk-*")) == []  # no temporary file left behind


# the headless command


@pytest.fixture
def signed_in(monkeypatch) -> list[str]:
    """Every form holds personal data: the command line signs in (the demo's office user)."""
    from hvdesk.demo import DEMO_PASSWORD

    monkeypatch.setenv("HVDESK_PASSWORD", DEMO_PASSWORD)
    return ["--user", "office"]


def test_cli_prints_each_form(printer, demo_db, clock, tmp_path, capsys, signed_in):
    db_path = str(demo_db.engine.url.database)
    visit = zoe_out_now(demo_db)
    cancelled = safety_cancelled(demo_db, clock)
    zoe = staff_named(demo_db, ZOE)
    selectors = {
        "lone-working": ["--staff", str(zoe.id)],
        "visit-record": ["--visit", str(visit.id)],
        "appointment-letter": ["--visit", str(visit.id)],
        "sorry-slip": ["--visit", str(visit.id)],
        "safety-cancellation": ["--visit", str(cancelled.id)],
        "cancellation-letter": ["--visit", str(cancelled.id)],
        "police-sheet": ["--visit", str(visit.id)],
        "person-police-sheet": ["--alarm", str(person_alarm(demo_db, clock))],
        "day-sheet": ["--date", "2026-11-24"],
    }
    assert set(selectors) == set(FORMS)
    for form, selector in selectors.items():
        out = tmp_path / f"{form}.pdf"
        assert main(["print", form, *selector, "--out", str(out), "--db", db_path, *signed_in]) == 0
        assert f"Wrote {out}" in capsys.readouterr().out
        assert pypdf.PdfReader(out).pages
    assert [e.kind for e in events(demo_db)] == ["printed"] * len(selectors)


def test_cli_safe_word_needs_an_office_or_approver_sign_in(demo_db, tmp_path, capsys, monkeypatch):
    from hvdesk.demo import DEMO_PASSWORD

    db_path = str(demo_db.engine.url.database)
    jasmin = staff_named(demo_db, "Jasmin Patel")
    with demo_db.read() as s:
        word = s.scalar(
            select(LoneWorkingAssessment.safe_word).where(
                LoneWorkingAssessment.staff_id == jasmin.id
            )
        )
    out = tmp_path / "with-word.pdf"
    args = ["print", "lone-working", "--staff", str(jasmin.id), "--out", str(out), "--db", db_path]
    args += ["--print-safe-word"]
    monkeypatch.delenv("HVDESK_PASSWORD", raising=False)

    def refused(*extra: str) -> str:
        assert main([*args, *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("hvdesk: ") and "Traceback" not in err
        assert not out.exists()
        return err

    assert "--print-safe-word needs a sign-in: add --user USERNAME" in refused()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal to ask for the password
    assert "no password; set HVDESK_PASSWORD" in refused("--user", "office")
    monkeypatch.setenv("HVDESK_PASSWORD", "wrong-password")
    assert "username or password not recognised" in refused("--user", "office")
    monkeypatch.setenv("HVDESK_PASSWORD", DEMO_PASSWORD)
    assert "--user admin has the admin role; only an office user or approver" in refused(
        "--user", "admin"
    )
    assert "has the visitor role" in refused("--user", "jpatel")
    assert events(demo_db) == [] and reveals(demo_db) == []

    assert main([*args, "--user", "head"]) == 0
    assert_on(" ".join(pages_text(out.read_bytes())), f"My safe word is {word}")
    [printed] = events(demo_db)
    assert printed.user_name == "Linda Francis" and printed.data["safe_word_printed"] is True
    [reveal] = reveals(demo_db)
    assert reveal.user_name == "Linda Francis" and reveal.staff_id == jasmin.id


def test_cli_user_is_recorded_without_the_safe_word(demo_db, tmp_path, capsys, monkeypatch):
    from hvdesk.demo import DEMO_PASSWORD

    monkeypatch.setenv("HVDESK_PASSWORD", DEMO_PASSWORD)
    db_path = str(demo_db.engine.url.database)
    out = str(tmp_path / "day.pdf")
    base = ["print", "day-sheet", "--date", "2026-11-24", "--out", out, "--db", db_path]
    assert main([*base, "--user", "jpatel"]) == 0
    [printed] = events(demo_db)
    assert printed.user_name == "Jasmin Patel" and printed.user_id is not None
    assert main(base) == 2  # personal data: never printed by nobody in particular
    assert "day-sheet holds personal data" in capsys.readouterr().err
    assert len(events(demo_db)) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["visit-record", "--visit", "99999"], "--visit 99999: there is no visit"),
        (["lone-working", "--staff", "99999"], "--staff 99999: there is no staff member"),
        (["visit-record", "--visit", "abc"], "--visit 'abc' is not a visit number"),
        (["lone-working", "--visit", "1"], "give --staff ID"),
        (["day-sheet", "--date", "2026-11-24", "--visit", "1"], "--visit does not apply"),
        (["day-sheet", "--date", "24/11/2026"], "use YYYY-MM-DD"),
        (["day-sheet", "--date", "2026-02-30"], "--date '2026-02-30' is not a date"),
        (["visit-record", "--visit", "1", "--print-safe-word"], "--print-safe-word is only"),
    ],
)
def test_cli_errors_are_clear(demo_db, tmp_path, capsys, args, expected, signed_in):
    db_path = str(demo_db.engine.url.database)
    code = main(["print", *args, "--out", str(tmp_path / "x.pdf"), "--db", db_path, *signed_in])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_cli_unwritable_out_and_missing_db(demo_db, tmp_path, capsys, signed_in):
    db_path = str(demo_db.engine.url.database)
    base = ["print", "day-sheet", "--date", "2026-11-24", *signed_in]
    assert main([*base, "--out", str(tmp_path / "no" / "x.pdf"), "--db", db_path]) == 2
    assert "--out" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path), "--db", db_path]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert "--db" in err and "no such database file" in err
    assert not (tmp_path / "none.db").exists()


def test_cli_unknown_form_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["print", "bogus", "--visit", "1", "--out", "x.pdf"])
    assert exc.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


# every page of every form has ink on it


def test_every_form_renders_to_non_blank_pages(printer, demo_db, clock, office, tmp_path):
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing on CI: install the Debian package poppler-utils")
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils)")
    from PIL import Image

    visit = zoe_out_now(demo_db)
    selections = {
        "lone-working": {"staff_id": staff_named(demo_db, ZOE).id},
        "safety-cancellation": {"visit_id": safety_cancelled(demo_db, clock).id},
        "cancellation-letter": {"visit_id": safety_cancelled(demo_db, clock).id},
        "day-sheet": {"day": date(2026, 11, 24)},
        "person-police-sheet": {"alarm_id": person_alarm(demo_db, clock)},
    }
    for form in FORMS:
        pdf = tmp_path / f"{form}.pdf"
        printer.to_file(office, form, pdf, **selections.get(form, {"visit_id": visit.id}))
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / form)],
            check=True,
            timeout=60,
        )
        pngs = sorted(tmp_path.glob(f"{form}-*.png"))
        assert pngs, form
        for png in pngs:
            with Image.open(png) as img:
                grey = img.convert("L")
                width, height = grey.size
                body = grey.crop((0, height // 8, width, height * 7 // 8))  # below the header
                dark = sum(body.histogram()[:200])
                assert dark > body.size[0] * body.size[1] * 0.005, f"{png.name} looks blank"


def test_police_sheet_after_duress_says_duress_code_word_used_and_when(
    printer, demo_db, office, clock
):
    """What the office reads to 999: a duress is named as DURESS with its time, not 'not heard'."""
    from hvdesk.services.tracker import TrackerService

    visit = zoe_out_now(demo_db)
    TrackerService(demo_db, clock).duress(office, visit.id, "said 'blue folder' on the call")
    text = " ".join(pages_text(printer.to_bytes(office, "police-sheet", visit_id=visit.id)))
    assert_on(
        text,
        "DURESS: staff need help now on a home visit",
        f"DURESS (code word used) at {fmt_time(clock.now())}",
        "said 'blue folder' on the call",
    )
    assert "Staff not heard from" not in text


def test_hampton_family_told_at_earliest_opportunity_letter_or_logged_call_on_cancel(
    printer, demo_db, office, clock
):
    """Hampton: 'should an appointment need to be cancelled, ... families will be informed at the
    earliest possible opportunity': a call logged with the cancellation, or a letter printed."""
    from hvdesk.services.cancellation import CancellationService

    cancel = CancellationService(demo_db, clock)
    with demo_db.read() as s:
        ids = list(
            s.scalars(select(Visit.id).where(Visit.status == VisitStatus.APPROVED.value).limit(2))
        )
    cancel.cancel(office, ids[0], "staff_unavailable", family_told="call")
    with demo_db.read() as s:
        told = s.scalars(
            select(Event).where(Event.visit_id == ids[0], Event.kind == "family_told")
        ).all()
    assert [(e.data["how"], e.note) for e in told] == [("call", "Phoned the family")]
    with pytest.raises(HvdeskError, match="Family told"):
        cancel.cancel(office, ids[1], "staff_unavailable", family_told="carrier pigeon")
    with pytest.raises(HvdeskError, match="not cancelled"):
        printer.make(office, "cancellation-letter", visit_id=ids[1])
    cancel.cancel(office, ids[1], "staff_unavailable")
    text = " ".join(pages_text(printer.to_bytes(office, "cancellation-letter", visit_id=ids[1])))
    assert_on(text, "cannot go ahead", f"HV{ids[1]}", "0121 496 0123")
    cancel.tell_family(office, ids[1], "letter", "posted first class")
    with demo_db.read() as s:
        assert (
            s.scalar(
                select(Event.note).where(Event.visit_id == ids[1], Event.kind == "family_told")
            )
            == "Letter to the family: posted first class"
        )


# the visit's police sheet is unchanged by the person's one

# sha256 of the demo visit's police sheet after a duress, at SCHOOL_MORNING, ReportLab invariant:
# taken before the sheet for an alarm about a person was added. Change it only on purpose (a
# deliberate change to the visit's sheet), saying so in the commit.
VISIT_POLICE_SHEET_SHA256 = "2b01f2cb67596d72c93dde024e046ca03eadbf973e62dcb1107af7a6543fb22b"


def test_visit_police_sheet_is_byte_identical_to_before_person_sheets(
    printer, demo_db, office, clock, monkeypatch
):
    import hashlib

    from reportlab import rl_config

    from hvdesk.services.tracker import TrackerService

    monkeypatch.setattr(rl_config, "invariant", 1)  # no creation date or random document id
    visit = zoe_out_now(demo_db)
    TrackerService(demo_db, clock).duress(office, visit.id, "said 'blue folder' on the call")
    pdf = printer.to_bytes(office, "police-sheet", visit_id=visit.id)
    assert hashlib.sha256(pdf).hexdigest() == VISIT_POLICE_SHEET_SHA256
