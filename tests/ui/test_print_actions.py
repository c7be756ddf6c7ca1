"""Print helpers: the PDF is made off the GUI thread, opened in the viewer (a fake here), errors are
shown in a message box (answered by the `answers` fixture), and menus offer only forms that apply."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import select

from hvdesk.events import EventKind
from hvdesk.models import CancelReason, Event, Role, Staff, Visit, VisitStatus
from hvdesk.services.base import Actor
from hvdesk.services.printing import PrintService
from ui import print_actions

pytestmark = pytest.mark.ui


@pytest.fixture
def opened(monkeypatch, tmp_path) -> list[Path]:
    """Replace the PDF viewer and the printouts folder; wait for every print at teardown."""
    paths: list[Path] = []

    def fake_open(path: Path) -> bool:
        paths.append(path)
        return True

    monkeypatch.setattr(print_actions, "opener", fake_open)
    monkeypatch.setattr(print_actions, "output_folder", lambda: tmp_path)
    yield paths
    assert print_actions.wait_for_prints()


@pytest.fixture
def printer(services) -> PrintService:
    return PrintService(services.db, services.clock)


def first_visit(db, **where) -> Visit:
    with db.read() as s:
        stmt = select(Visit)
        for key, value in where.items():
            stmt = stmt.where(getattr(Visit, key) == value)
        return s.scalars(stmt.order_by(Visit.id)).first()


def printed(db) -> list[Event]:
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == EventKind.PRINTED.value)))


@pytest.fixture
def made_in(monkeypatch) -> list[int]:
    """The thread each PrintService is built in (building one imports ReportLab: never on the
    GUI thread)."""
    threads: list[int] = []
    real_init = PrintService.__init__

    def recording_init(self, *args, **kwargs):
        threads.append(threading.get_ident())
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(PrintService, "__init__", recording_init)
    return threads


def test_print_form_opens_the_pdf_made_off_the_gui_thread(
    qtbot, services, printer, office_actor, opened, answers, monkeypatch
):
    threads: list[int] = []
    real_make = printer.make

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_make(*args, **kwargs)

    monkeypatch.setattr(printer, "make", spy)
    visit = first_visit(services.db, status=VisitStatus.ON_SITE.value)
    job = print_actions.print_form(None, printer, office_actor, "visit-record", visit_id=visit.id)
    with qtbot.waitSignal(job.finished, timeout=10_000) as blocker:
        pass
    qtbot.waitUntil(lambda: len(opened) == 1)
    path = opened[0]
    assert blocker.args == [path]
    assert path.read_bytes().startswith(b"%PDF") and path.name.startswith("visit-record-")
    assert threads and threads[0] != threading.get_ident()
    assert answers["told"] == []
    [event] = printed(services.db)
    assert event.visit_id == visit.id and event.user_name == office_actor.name


def test_errors_are_shown_naming_what_went_wrong(
    qtbot, services, printer, office_actor, opened, answers
):
    visit = first_visit(services.db, status=VisitStatus.ON_SITE.value)
    job = print_actions.print_form(
        None, printer, office_actor, "safety-cancellation", visit_id=visit.id
    )
    with qtbot.waitSignal(job.failed, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: len(answers["told"]) == 1)
    _title, text, kind = answers["told"][0]
    assert kind == "error" and "Safety cancellation note was not made" in text
    assert "cancelled for a safety concern" in text
    assert opened == [] and printed(services.db) == []


def test_no_viewer_says_where_the_file_is(
    qtbot, services, printer, office_actor, opened, answers, monkeypatch
):
    monkeypatch.setattr(print_actions, "opener", lambda path: False)
    visit = first_visit(services.db, status=VisitStatus.ON_SITE.value)
    print_actions.print_form(None, printer, office_actor, "sorry-slip", visit_id=visit.id)
    qtbot.waitUntil(lambda: len(answers["told"]) == 1, timeout=10_000)
    text = answers["told"][0][1]
    assert "no PDF viewer opened it" in text and "sorry-slip-" in text


def test_a_crash_in_the_worker_is_reported_not_lost(
    qtbot, printer, office_actor, opened, answers, monkeypatch
):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(printer, "make", boom)
    print_actions.print_form(None, printer, office_actor, "day-sheet", day=None)
    qtbot.waitUntil(lambda: len(answers["told"]) == 1, timeout=10_000)
    assert "RuntimeError: disk on fire" in answers["told"][0][1]


def test_visit_menu_actions_offer_the_safety_note_only_when_relevant(
    qtbot, services, printer, office_actor, opened, answers
):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    normal = first_visit(services.db, status=VisitStatus.ON_SITE.value)
    labels = [
        a.text()
        for a in print_actions.form_actions_for_visit(parent, printer, office_actor, normal)
    ]
    assert labels == [
        "Print visit record",
        "Print appointment letter",
        "Print 'sorry you weren't in' slip",
        "Print police information sheet",
    ]
    unsafe = first_visit(services.db, cancel_reason=CancelReason.SAFETY_CONCERN.value)
    actions = print_actions.form_actions_for_visit(parent, printer, office_actor, unsafe)
    assert actions[-1].text() == "Print safety cancellation note"
    actions[-1].trigger()
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10_000)
    assert opened[0].name.startswith(f"safety-cancellation-{unsafe.id}-")
    assert answers["told"] == []


def test_staff_and_day_actions(qtbot, services, printer, office_actor, opened, answers):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    with services.db.read() as s:
        jasmin = s.scalar(select(Staff).where(Staff.name == "Jasmin Patel"))
    office_actions = print_actions.form_actions_for_staff(parent, printer, office_actor, jasmin.id)
    assert [a.text() for a in office_actions] == [
        "Print Lone Working Risk Assessment",
        "Print Lone Working Risk Assessment with safe word",
    ]
    visitor = Actor(None, "Jasmin Patel", Role.VISITOR.value)
    assert len(print_actions.form_actions_for_staff(parent, printer, visitor, jasmin.id)) == 1
    office_actions[1].trigger()
    print_actions.day_sheet_action(parent, printer, office_actor).trigger()
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=10_000)
    assert sorted(p.name.split("-")[0] for p in opened) == ["day", "lone"]
    events = printed(services.db)
    assert {e.data["form"] for e in events} == {"lone-working", "day-sheet"}
    assert next(e for e in events if e.staff_id == jasmin.id).data["safe_word_printed"] is True
    assert answers["told"] == []


def test_install_puts_forms_in_visit_menus_and_day_sheet_on_toolbar(
    qtbot, window, services, opened, answers
):
    # build_window has already run print_actions.install via ui.features
    assert any("day sheet" in a.text().lower() for a in window.toolbar.actions())
    assert window.staff.findChild(QPushButton, None) is not None
    unsafe = first_visit(services.db, cancel_reason=CancelReason.SAFETY_CONCERN.value)
    labels = [a.label for a in window.visit_actions.for_visit(unsafe) if a.group == "print"]
    assert "Print safety cancellation note" in labels
    # a cancelled visit gets no letter telling the family staff will come, nor a slip
    assert "Print appointment letter" not in labels
    assert len(labels) == len(print_actions.VISIT_FORMS) - 2
    normal = first_visit(services.db, status=VisitStatus.ON_SITE.value)
    labels = [a.label for a in window.visit_actions.for_visit(normal) if a.group == "print"]
    assert "Print safety cancellation note" not in labels
    assert "Print appointment letter" in labels
    menu = window.visit_actions.menu(normal, window)
    [record] = [a for a in menu.actions() if a.text() == "Print visit record"]
    record.trigger()
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10_000)
    assert opened[0].name.startswith(f"visit-record-{normal.id}-")


def test_the_window_s_first_print_makes_its_print_service_on_the_print_worker(
    qtbot, window, opened, answers, made_in
):
    """Making the PrintService imports ReportLab (~0.1 s CPU): the window's print actions make
    it at their first print, on the worker, never on the GUI thread, and once."""
    [day_sheet] = [a for a in window.toolbar.actions() if a.text() == "Print day sheet"]
    day_sheet.trigger()
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10_000)
    day_sheet.trigger()
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=10_000)
    assert len(made_in) == 1 and made_in[0] != threading.get_ident()
    assert answers["told"] == []


def test_the_cancel_dialog_s_safety_note_prints_with_its_service_made_on_the_worker(
    qtbot, services, office_actor, opened, answers, made_in
):
    from ui.cancel_dialog import safety_note_printer

    unsafe = first_visit(services.db, cancel_reason=CancelReason.SAFETY_CONCERN.value)
    print_note = safety_note_printer(services.db, services.clock)
    assert print_note is not None
    print_note(None, office_actor, unsafe.id)
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10_000)
    assert opened[0].name.startswith(f"safety-cancellation-{unsafe.id}-")
    assert len(made_in) == 1 and made_in[0] != threading.get_ident()
    assert answers["told"] == []


def test_old_printouts_are_cleared_from_a_temporary_folder_only(tmp_path, monkeypatch):
    """Issue 15 review #3: Documents/hvdesk (or a folder the office chose) is never pruned."""
    import os
    import tempfile
    import time

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "temp"))
    two_days_ago = time.time() - 2 * 24 * 3600
    kept, cleared = tmp_path / "Documents" / "hvdesk", tmp_path / "temp" / "hvdesk"
    for folder in (kept, cleared):
        folder.mkdir(parents=True)
        old = folder / "day-sheet-2026-11-22-20261122-090000-0001.pdf"
        old.write_bytes(b"%PDF")
        os.utime(old, (two_days_ago, two_days_ago))
        print_actions._prune(folder)
    assert list(kept.glob("*.pdf")) and not list(cleared.glob("*.pdf"))


def test_a_printouts_folder_that_is_a_file_is_named_with_its_fix_when_printing(
    qtbot, printer, office_actor, answers, tmp_path, monkeypatch
):
    """Issue 15 review #9: not '[Errno 17] File exists'."""
    from PySide6.QtCore import QSettings

    monkeypatch.setattr(print_actions, "opener", lambda path: True)
    a_file = tmp_path / "forms.txt"
    a_file.write_text("not a folder")
    QSettings().setValue(print_actions.PRINTOUTS_SETTING, str(a_file))
    job = print_actions.print_form(None, printer, office_actor, "day-sheet", day=None)
    with qtbot.waitSignal(job.failed, timeout=10_000):
        pass
    text = answers["told"][-1][1]
    assert f"Printouts folder: {a_file} is a file, not a folder" in text
    assert "Settings > This computer > Printouts folder" in text and "Errno" not in text


def test_a_printouts_folder_that_is_a_file_is_refused_in_settings(window, qtbot, answers, tmp_path):
    from PySide6.QtCore import QSettings

    from ui.print_actions import PrintFeature

    before = str(print_actions.chosen_printouts_folder())
    a_file = tmp_path / "forms.txt"
    a_file.write_text("not a folder")
    field = window.feature(PrintFeature).folder_edit
    field.setText(str(a_file))
    field.editingFinished.emit()
    title, text, kind = answers["told"][-1]
    assert title == "Printouts folder not changed" and kind == "warning"
    assert "is a file, not a folder" in text and "Choose" in text
    assert field.text() == before and not QSettings().value(print_actions.PRINTOUTS_SETTING)


def test_a_family_letter_from_today_is_made_with_its_service_built_on_the_worker(
    qtbot, services, office_actor, opened, answers, monkeypatch, made_in
):
    """Review of issue 9 #3: "Tell the family → letter" (and the cancel dialog's letter) loaded
    ReportLab and built a PrintService on the GUI thread at the press."""
    from hvdesk.services.cancellation import CancellationService, FamilyToTell
    from ui import cancel_dialog
    from ui.dialog_save import DialogSave
    from ui.forms import error_banner

    gone = first_visit(services.db, status=VisitStatus.CANCELLED.value)
    family = FamilyToTell(gone.id, "the family", "", gone.start)
    monkeypatch.setattr(cancel_dialog, "pick", lambda _w, _t, _q, items: items[-1])  # a letter
    told: list[bool] = []
    service = CancellationService(services.db, services.clock)
    holder = QWidget()
    qtbot.addWidget(holder)
    saving = DialogSave(holder, error_banner(), {}, "record")
    assert cancel_dialog.tell_families(
        None, office_actor, service, [family], saving, lambda: told.append(True)
    )
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=10_000)
    assert len(made_in) == 1 and made_in[0] != threading.get_ident()
    assert told == [True] and answers["told"] == []
