"""Importing attendance marks and acting on the visits they suggest, against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hvdesk.cli import main
from hvdesk.clock import london
from hvdesk.demo import demo_upn
from hvdesk.errors import HvdeskError, StateError, ValidationError
from hvdesk.models import AttendanceDecision, AttendanceMark, Event, Pupil
from hvdesk.policy import preset
from hvdesk.rules.attendance import ABSENCE_RUN
from hvdesk.services.attendance import AttendanceFileError, AttendanceService
from hvdesk.services.settings import SettingsService


def marks(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(AttendanceMark.id))) or 0


def csv(*rows: str) -> str:
    return "UPN,Date,Session,Mark\n" + "".join(r + "\n" for r in rows)


@pytest.fixture
def svc(demo_db, clock) -> AttendanceService:
    return AttendanceService(demo_db, clock)


def test_demo_school_has_upns_and_suggestions(svc):
    found = svc.suggestions()
    assert [(s.pupil_name, s.trigger) for s in found] == [
        ("Ben Begum", ABSENCE_RUN),
        ("Kai Evans", ABSENCE_RUN),
    ]
    assert found[1].safeguarding_flag and "Day 1" in found[1].reason
    assert "Day 3" in found[0].reason
    pattern = svc.pattern(found[0].pupil_id)
    assert [am for _d, am, _pm in pattern[-3:]] == ["N", "N", "N"]
    assert len(pattern) == 20


def test_bad_row_means_nothing_of_the_file_is_imported(svc, demo_db, clock, office):
    clock.advance(timedelta(days=6))  # Monday 30th
    before = marks(demo_db)
    text = csv(f"{demo_upn(0)},2026-11-30,AM,/", f"{demo_upn(0)},2026-11-30,PM,ZZ")
    with pytest.raises(AttendanceFileError) as err:
        svc.import_text(office, text, "monday.csv")
    assert str(err.value) == (
        "monday.csv: nothing imported; line 3: mark 'ZZ' is not a DfE attendance code hvdesk "
        "accepts; see docs/attendance.md"
    )
    assert marks(demo_db) == before


def test_unknown_pupils_are_listed_never_invented_and_reimport_changes_nothing(
    svc, demo_db, clock, office
):
    clock.advance(timedelta(days=6))  # Monday 30th
    with demo_db.read() as s:
        pupils = s.scalar(select(func.count(Pupil.id)))
    before = marks(demo_db)
    text = csv(
        f"{demo_upn(0)},2026-11-30,AM,/",
        f"{demo_upn(0)},2026-11-30,PM,\\",
        "Z999999999999,2026-11-30,AM,N",
        "Z999999999999,2026-11-30,PM,N",
    )
    report = svc.import_text(office, text, "monday.csv")
    assert (report.added, report.changed, report.unchanged, report.pupils) == (2, 0, 0, 1)
    assert report.unknown == {"UPN Z999999999999": [4, 5]}
    assert "UPN Z999999999999 (lines 4, 5)" in "\n".join(report.lines())
    with demo_db.read() as s:
        assert s.scalar(select(func.count(Pupil.id))) == pupils
    again = svc.import_text(office, text, "monday.csv")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
    assert marks(demo_db) == before + 2
    corrected = svc.import_text(office, csv(f"{demo_upn(0)},2026-11-30,PM,I"), "fix.csv")
    assert (corrected.added, corrected.changed) == (0, 1)
    with demo_db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "attendance_imported")).all()
    assert len(events) == 4  # the demo's own import and three here


def test_admission_number_matches_when_there_is_no_upn(svc, clock, office):
    clock.advance(timedelta(days=6))  # Monday 30th
    text = "Adno,Date,Session,Mark\n1001,2026-11-30,AM,/\n"
    assert svc.import_text(office, text).added == 1


def test_dismiss_needs_a_reason_and_is_audited(svc, demo_db, office):
    first = svc.suggestions()[0]
    with pytest.raises(ValidationError, match="Reason"):
        svc.dismiss(office, first, "  ")
    svc.dismiss(office, first, "Mum rang: chickenpox, back Monday")
    assert first not in svc.suggestions()
    with pytest.raises(StateError, match="already dismissed by Sam Office"):
        svc.dismiss(office, first, "again")
    with demo_db.read() as s:
        event = s.scalar(select(Event).where(Event.kind == "attendance_suggestion_dismissed"))
        assert event.note.endswith("Dismissed: Mum rang: chickenpox, back Monday")
        assert s.scalar(select(AttendanceDecision.action)) == "dismissed"


def test_an_explained_mark_ends_the_suggestion(svc, demo_db, clock, office):
    ben = svc.suggestions()[0]
    friday = london(clock.now()).date() - timedelta(days=4)  # the demo's last school day
    assert friday.weekday() == 4
    with demo_db.read() as s:
        upn = s.get(Pupil, ben.pupil_id).upn
    svc.import_text(office, csv(f"{upn},{friday},AM,I", f"{upn},{friday},PM,I"))
    assert all(s.pupil_id != ben.pupil_id for s in svc.suggestions())


def test_harrogate_flags_low_attendance(svc, demo_db, clock, approver):
    SettingsService(demo_db, clock).save_policy(approver, preset("harrogate"))
    low = [s for s in svc.suggestions() if s.trigger == "low_attendance"]
    assert low and all("below 90%" in s.reason for s in low)


def test_cli_import_prints_a_summary_and_one_line_on_a_bad_file(demo_db, tmp_path, capsys):
    db_path = str(demo_db.engine.url.database)
    good = tmp_path / "good.csv"
    good.write_text(csv(f"{demo_upn(3)},2026-11-23,AM,/"), encoding="utf-8")  # demo's last day
    assert main(["attendance", "import", str(good), "--db", db_path]) == 0
    assert "good.csv: 1 mark for 1 pupil: " in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(csv(f"{demo_upn(3)},2026-13-01,AM,/"), encoding="utf-8")
    assert main(["attendance", "import", str(bad), "--db", db_path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hvdesk: bad.csv: nothing imported; line 2: date '2026-13-01'")
    assert len(err.strip().splitlines()) == 1
    assert main(["attendance", "import", str(tmp_path / "nope.csv"), "--db", db_path]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["attendance", "suggestions", "--db", db_path]) == 0
    assert "Attendance: 2 visits suggested" in capsys.readouterr().out


def test_file_error_is_an_hvdesk_error():
    assert issubclass(AttendanceFileError, HvdeskError)


def test_pupils_get_a_upn_admission_number_and_flag_on_the_household(demo_db, clock, office, svc):
    from hvdesk.services.households import HouseholdInput, HouseholdService, PupilInput

    households = HouseholdService(demo_db, clock)
    data = HouseholdInput(
        name="Okafor family",
        address="1 New Road",
        postcode="B17 0AB",
        pupils=[PupilInput("Ada Okafor", "Year 2", None, "z999999999999", "2001", True)],
    )
    created = households.create(office, data)
    pupil = created.pupils[0]
    assert (pupil.upn, pupil.admission_number, pupil.safeguarding_flag) == (
        "Z999999999999",
        "2001",
        True,
    )
    # the file's unknown pupil is now known: one absence is day 1 with a safeguarding flag
    svc.import_text(office, csv("Z999999999999,2026-11-23,AM,N", "Z999999999999,2026-11-23,PM,N"))
    assert any(s.pupil_id == pupil.id for s in svc.suggestions())
    clash = HouseholdInput(
        name="Other family",
        address="2 New Road",
        postcode="B17 0AB",
        pupils=[PupilInput("Bo Other", "Year 2", None, "Z999999999999")],
    )
    with pytest.raises(ValidationError, match="already Ada Okafor's UPN"):
        households.create(office, clash)
    bad = HouseholdInput(
        name="Other family",
        address="2 New Road",
        postcode="B17 0AB",
        pupils=[PupilInput("Bo Other", "Year 2", None, "12345")],
    )
    with pytest.raises(ValidationError, match="13 characters"):
        households.create(office, bad)


# --- review of issue 12: decisions that stick, and bookings that fall through -------------------


def _low(svc) -> list:
    return [s for s in svc.suggestions() if s.trigger == "low_attendance"]


def _upn(db, pupil_id: int) -> str:
    with db.read() as s:
        return s.get(Pupil, pupil_id).upn


def _school_days(first, count: int) -> list:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _day_marks(upn: str, days, am: str, pm: str) -> list[str]:
    return [row for d in days for row in (f"{upn},{d},AM,{am}", f"{upn},{d},PM,{pm}")]


def test_dismissed_low_attendance_stays_dismissed_after_the_next_import(
    svc, demo_db, clock, approver, office
):
    SettingsService(demo_db, clock).save_policy(approver, preset("harrogate"))
    low = _low(svc)[0]
    svc.dismiss(office, low, "Known to the attendance officer; plan in place")
    assert low.pupil_id not in {s.pupil_id for s in _low(svc)}
    clock.advance(timedelta(days=1))  # Wednesday: Tuesday's marks come in, still below 90%
    upn = _upn(demo_db, low.pupil_id)
    tuesday = london(clock.now()).date() - timedelta(days=1)
    svc.import_text(office, csv(*_day_marks(upn, [tuesday], "N", "N")))
    assert low.pupil_id not in {s.pupil_id for s in _low(svc)}


def test_dismissed_low_attendance_flags_again_after_recovery_and_a_new_dip(
    svc, demo_db, clock, approver, office
):
    SettingsService(demo_db, clock).save_policy(approver, preset("harrogate"))
    low = _low(svc)[0]
    svc.dismiss(office, low, "Plan in place")
    upn = _upn(demo_db, low.pupil_id)
    present = _school_days(london(clock.now()).date(), 40)  # eight weeks in every day
    dip = _school_days(present[-1] + timedelta(days=1), 10)  # then two weeks away
    clock.set(clock.now() + (dip[-1] - present[0]) + timedelta(days=1))
    svc.import_text(office, csv(*_day_marks(upn, present, "/", "\\")))
    assert low.pupil_id not in {s.pupil_id for s in _low(svc)}  # recovered: nothing to flag
    svc.import_text(office, csv(*_day_marks(upn, dip, "O", "O")))
    again = [s for s in _low(svc) if s.pupil_id == low.pupil_id]
    assert again and again[0].key == dip[-1].isoformat()


def test_a_booked_visit_covers_low_attendance(svc, demo_db, clock, approver, office, make_visit):
    SettingsService(demo_db, clock).save_policy(approver, preset("harrogate"))
    low = _low(svc)[0]
    make_visit(household_id=low.household_id, lead_id=1, pupil_id=low.pupil_id)
    assert low.pupil_id not in {s.pupil_id for s in _low(svc)}


def test_a_cancelled_booking_brings_the_suggestion_back(svc, demo_db, clock, office, make_visit):
    from hvdesk.models import Visit

    ben = svc.suggestions()[0]
    visit_id = make_visit(household_id=ben.household_id, lead_id=1, pupil_id=ben.pupil_id)
    svc.booked(office, ben, visit_id)
    assert ben.pupil_id not in {s.pupil_id for s in svc.suggestions()}
    with demo_db.transaction() as s:
        s.get(Visit, visit_id).status = "cancelled"
    back = [s for s in svc.suggestions() if s.pupil_id == ben.pupil_id]
    assert back == [ben]
    second = make_visit(household_id=ben.household_id, lead_id=1, pupil_id=ben.pupil_id)
    svc.booked(office, ben, second)  # booking it again is allowed
    assert ben.pupil_id not in {s.pupil_id for s in svc.suggestions()}
    with demo_db.read() as s:
        assert s.scalar(select(AttendanceDecision.visit_id)) == second


def test_visiting_staff_cannot_import_attendance_or_dismiss_a_suggestion(svc, demo_db, visitor):
    from hvdesk.errors import NotAllowed

    before = marks(demo_db)
    with pytest.raises(NotAllowed, match="Only office staff, an approver or an admin can import"):
        svc.import_text(visitor, csv(f"{demo_upn(0)},2026-11-23,AM,N"))
    first = svc.suggestions()[0]
    with pytest.raises(NotAllowed, match="can dismiss a suggested visit"):
        svc.dismiss(visitor, first, "Mum rang")
    assert marks(demo_db) == before and first in svc.suggestions()


def test_import_report_counts_only_known_pupils_marks_in_plain_plurals(svc, clock, office):
    clock.advance(timedelta(days=6))  # Monday 30th
    text = csv(
        f"{demo_upn(0)},2026-11-30,AM,/",
        "Z999999999999,2026-11-30,AM,N",
        "Z999999999999,2026-11-30,PM,N",
        "Y999999999999,2026-11-30,AM,N",
    )
    lines = svc.import_text(office, text, "monday.csv").lines()
    assert lines == [
        "monday.csv: 1 mark for 1 pupil: 1 new, 0 corrected, 0 already imported.",
        "2 pupils in the file are not in hvdesk (3 marks not imported; add them to a household "
        "with this UPN or admission number, then import again):",
        "  UPN Y999999999999 (line 5)",
        "  UPN Z999999999999 (lines 3, 4)",
    ]
