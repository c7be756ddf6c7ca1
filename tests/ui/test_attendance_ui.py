"""Attendance and incidents on screen: importing a bad file, a suggestion booked in one click,
dismissing with a reason, the Today line, and the incident dialog from the menu, a visit and an
alarm. Offscreen, over the demo school; dialogs answered through their seams."""

from __future__ import annotations

from sqlalchemy import func, select

from hvdesk.demo import demo_upn
from hvdesk.models import AttendanceDecision, AttendanceMark, Incident, Purpose, Visit
from tests.ui.waiting import idle, returns_while_held, save_form, saved, settle, shown
from ui import attendance as attendance_ui
from ui import incidents as incidents_ui
from ui.follow_ups import FollowUpsFeature
from ui.reports import ReportsFeature
from ui.timeline import TimelineFeature

BAD = "UPN,Date,Session,Mark\n{u},2026-11-23,AM,/\n{u},2026-11-31,PM,\\\n"


def marks(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(AttendanceMark.id)))


def test_import_a_bad_file_from_the_file_menu_imports_nothing_and_names_the_line(
    window, qtbot, answers, tmp_path, monkeypatch
):
    bad = tmp_path / "monday.csv"
    bad.write_text(BAD.format(u=demo_upn(0)), encoding="utf-8")
    before = marks(window.services.db)
    monkeypatch.setattr(attendance_ui, "choose_file", lambda _p: str(bad))
    window.feature(attendance_ui.AttendanceFeature).import_action.trigger()
    qtbot.waitUntil(lambda: bool(answers["told"]), timeout=10_000)
    title, text, kind = answers["told"][-1]
    assert title == "Attendance not imported" and kind == "warning"
    assert "monday.csv: nothing imported" in text and "line 3: date '2026-11-31'" in text
    assert "Traceback" not in text
    assert marks(window.services.db) == before

    good = tmp_path / "fixed.csv"
    good.write_text(BAD.format(u=demo_upn(0)).replace("11-31", "11-23"), encoding="utf-8")
    monkeypatch.setattr(attendance_ui, "choose_file", lambda _p: str(good))
    window.feature(attendance_ui.AttendanceFeature).import_action.trigger()
    qtbot.waitUntil(lambda: answers["told"][-1][0] == "Attendance imported", timeout=10_000)
    assert "fixed.csv: 2 marks for 1 pupil: " in answers["told"][-1][1]


def test_suggestion_booked_in_one_click_with_purpose_and_pupil_filled(
    window, qtbot, answers, monkeypatch
):
    opened = []
    monkeypatch.setattr(attendance_ui, "open_dialog", opened.append)
    window.show_panel("Attendance")
    panel = window.feature(attendance_ui.AttendanceFeature).panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    assert panel.title.text() == "ATTENDANCE: 2 visits suggested"
    assert "Marks up to Mon 23 Nov 2026" in panel.explain.text()  # the demo's last school day
    qtbot.waitUntil(lambda: panel.pattern.columnCount() == 20, timeout=10_000)
    assert panel.pattern.item(0, 19).text() == "N"  # Ben Begum's third day
    chosen = panel.selected()
    assert chosen.pupil_name == "Ben Begum"
    panel.book_button.click()  # the one click
    settle(qtbot)  # what the form shows is read on the window's reader, then it opens
    dialog = window.feature(attendance_ui.AttendanceFeature).booking
    assert opened == [dialog]
    data = dialog.form_data()
    assert data.household_id == chosen.household_id and data.pupil_id == chosen.pupil_id
    assert data.purpose == Purpose.ATTENDANCE.value
    assert "Day 3 of unexplained absence" in data.pre_visit_notes
    dialog.lead.setCurrentIndex(dialog.lead.findText("Tom Lee"))  # the office picks who goes
    dialog.companion.setCurrentIndex(dialog.companion.findText("Amara Jones"))
    assert save_form(qtbot, dialog, submit=True), dialog.banner.text()
    settle(qtbot)  # the suggestion is marked booked on the write worker too
    with window.services.db.read() as s:
        decision = s.scalar(select(AttendanceDecision))
        visit = s.get(Visit, decision.visit_id)
    assert decision.action == "booked" and visit.pupil_id == chosen.pupil_id
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)


def test_dismiss_needs_a_reason_and_today_counts_what_is_waiting(
    window, qtbot, answers, monkeypatch
):
    strip = window.feature(FollowUpsFeature).strip
    qtbot.waitUntil(lambda: strip.isVisible(), timeout=10_000)
    assert "Attendance: 2 visits suggested" in strip.text()
    window.show_panel("Attendance")
    panel = window.feature(attendance_ui.AttendanceFeature).panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    monkeypatch.setattr(attendance_ui, "ask_reason", lambda _p, _s, _t: "   ")
    panel.dismiss_button.click()
    saved(qtbot, panel)
    assert answers["told"][-1][0] == "Not dismissed" and "Reason" in answers["told"][-1][1]
    monkeypatch.setattr(attendance_ui, "ask_reason", lambda _p, _s, _t: "Mum rang: chickenpox")
    panel.dismiss_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: "Attendance: 1 visit suggested" in strip.text(), timeout=10_000)


def test_incident_dialog_from_the_menu_saves_with_only_what_happened(
    window, qtbot, answers, monkeypatch
):
    shown = []

    def answer(dialog):
        shown.append(dialog)
        dialog.edits["what"].setPlainText("Neighbour's dog loose in the stairwell")
        return save_form(qtbot, dialog)

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    window.feature(incidents_ui.IncidentsFeature).record_action.trigger()
    settle(qtbot)  # the households are read on the reader, then the form opens
    assert shown and shown[0].windowTitle() == "Record an incident"
    with window.services.db.read() as s:
        incident = s.scalar(select(Incident))
    assert incident.what == "Neighbour's dog loose in the stairwell"
    assert incident.reported_by == window.actor.name
    strip = window.feature(FollowUpsFeature).strip
    qtbot.waitUntil(lambda: "Incidents: 1 new" in strip.text(), timeout=10_000)


def test_incident_dialog_refuses_an_empty_what_and_fills_place_from_a_visit(
    window, qtbot, answers, monkeypatch
):
    from hvdesk.models import VisitStatus

    with window.services.db.read() as s:
        visit_id = s.scalar(select(Visit.id).where(Visit.status == VisitStatus.ON_SITE.value))
    visit = window.services.visits.get(visit_id)
    results = []

    def answer(dialog):
        results.append(save_form(qtbot, dialog))  # nothing typed: refused, dialog stays open
        assert "What happened" in dialog.banner.text()
        dialog.edits["what"].setPlainText("Shouting at the door")
        results.append(save_form(qtbot, dialog))
        return results[-1]

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    action = next(a for a in window.visit_actions.for_visit(visit) if "incident" in a.label)
    action.run(visit, window)
    assert results == [False, True]
    with window.services.db.read() as s:
        incident = s.scalar(select(Incident))
    assert incident.visit_id == visit.id and incident.place == visit.household.one_line_address


def _agreement_due(window, qtbot, clock):
    """An agreement made at a visit, four days past its date: the agreements dialog open on it."""
    from datetime import timedelta

    from hvdesk.models import VisitStatus
    from hvdesk.services.outcomes import OutcomeInput, OutcomeService

    with window.services.db.read() as s:
        visit_id = s.scalar(select(Visit.id).where(Visit.status == VisitStatus.RETURNED.value))
    OutcomeService(window.services.db, clock).record(
        window.actor,
        visit_id,
        OutcomeInput(
            summary="Met Dad",
            agreements="Homework diary signed each week — by 27/11/2026",
            social_worker_informed=True,
        ),
    )
    clock.advance(timedelta(days=4))
    window.data_changed.emit()
    strip = window.feature(FollowUpsFeature).strip
    qtbot.waitUntil(lambda: "Agreements due: 1" in strip.text(), timeout=10_000)
    strip._open("agreements")
    dialog = window.feature(FollowUpsFeature).strip.agreements
    settle(qtbot)  # read on the window's reader
    assert dialog.model.rowCount() == 1
    return dialog


def test_broken_agreement_offers_the_letter_and_a_follow_up_visit(
    window, qtbot, answers, monkeypatch, clock
):
    pdfs, opened = [], []
    monkeypatch.setattr(incidents_ui, "open_pdf", pdfs.append)
    monkeypatch.setattr(attendance_ui, "open_dialog", opened.append)
    dialog = _agreement_due(window, qtbot, clock)
    dialog.note.setText("not signed for 2 weeks")
    dialog.broken_button.click()
    saved(qtbot, dialog)
    settle(qtbot)  # the letter is printed (audited) on the write worker, the list read again
    assert [t for t, _ in answers["asked"]] == ["Agreement broken", "Agreement broken"]
    assert pdfs and pdfs[0].read_bytes().startswith(b"%PDF")
    booking = dialog.follow_up_booking
    assert opened == [booking] and booking.form_data().purpose == "attendance"
    assert "agreement broken" in booking.form_data().pre_visit_notes
    assert dialog.model.rowCount() == 0
    dialog.close()


def test_a_broken_agreement_is_written_while_the_window_keeps_answering(
    window, qtbot, answers, monkeypatch, clock
):

    from hvdesk.services.agreements import AgreementService
    from tests.ui.test_tracker_writes import Beats, failing_writes, slow

    monkeypatch.setattr(attendance_ui, "open_dialog", lambda _d: None)
    monkeypatch.setattr(incidents_ui, "open_pdf", lambda _p: None)
    dialog = _agreement_due(window, qtbot, clock)
    dialog.note.setText("not signed for 2 weeks")
    with failing_writes(window.services.db):
        dialog.broken_button.click()
        saved(qtbot, dialog)
    assert "the agreement was NOT recorded. What you typed is kept." in dialog.banner.text()
    assert dialog.note.text() == "not signed for 2 weeks" and answers["asked"] == []
    with slow(window.services.db) as on_gui_thread:
        beats = Beats(lambda: dialog.saving.busy)
        answered = returns_while_held(window.services.db, lambda: dialog.broken_button.click())
        during_click = list(on_gui_thread)
        assert dialog.banner.text() == "Saving…" and not dialog.kept_button.isEnabled()
        assert dialog.decide(broken=True) is False  # pressed again while saving: once
        saved(qtbot, dialog, timeout=30_000)
        beats.stop()
    assert answered and during_click == []
    assert beats.during >= 3
    assert [t for t, _ in answers["asked"]] == ["Agreement broken", "Agreement broken"]
    assert AgreementService(window.services.db, clock).due() == []
    dialog.close()


def test_reports_screen_charts_tables_and_exports(window, qtbot, answers, monkeypatch, tmp_path):
    from ui import reports as reports_ui

    window.show_panel("Reports")
    panel = window.feature(ReportsFeature).panel
    qtbot.waitUntil(lambda: panel.report is not None, timeout=15_000)
    chart = panel.chart_view.chart()
    assert chart.title() == "Visits per month by purpose" and chart.series()
    names = [panel.tabs.tabText(i) for i in range(panel.tabs.count())]
    assert names[:2] == ["Visits by purpose", "Visits by outcome"] and "Alarms" in names
    alarms = panel.tabs.widget(names.index("Alarms"))
    assert alarms.horizontalHeaderItem(7).text() == "Taken within 10 s"
    monkeypatch.setattr(reports_ui, "save_path", lambda _p, _t, name, _f: str(tmp_path / name))
    csv_path = panel.export_csv()
    assert csv_path.read_text(encoding="utf-8").startswith("Home visit reports")
    pdf_path = panel.export_pdf()
    settle(qtbot)  # made and audited on the write worker
    assert pdf_path.read_bytes().startswith(b"%PDF")


def test_household_timeline_from_the_households_screen(window, qtbot, answers):
    window.show_panel("Households")
    panel = window.households
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)  # read on the worker
    panel.table.selectRow(0)
    household = panel.selected()
    window.feature(TimelineFeature).button.click()
    dialog = window.feature(TimelineFeature).dialog
    assert dialog.windowTitle() == f"Timeline: {household.name}"
    whats = {e.what for e in dialog.model.rows()}
    assert "Visit" in whats
    dialog.close()


def test_record_an_incident_from_an_alarm_window(window, qtbot, answers, monkeypatch):
    ctrl = window.tracker_controller
    row = next(r for r in window.today.board_model.rows() if not r.open_alarm_ids)
    with qtbot.waitSignal(ctrl.actions.recorded):
        ctrl.actions.duress(row.visit.id, window)
    idle(window, qtbot)
    aw = ctrl.window_for_visit(row.visit.id)
    assert aw is not None and aw.incident_button.isVisible()

    def answer(dialog):
        assert dialog.alarm_id == aw.alarm_id
        dialog.edits["what"].setPlainText("Code word used; father threatening")
        return save_form(qtbot, dialog)

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    aw.incident_button.click()
    with window.services.db.read() as s:
        incident = s.scalar(select(Incident))
    assert incident.alarm_id == aw.alarm_id and incident.visit_id == row.visit.id


def test_a_visiting_staff_seat_cannot_import_or_dismiss_and_is_told_why(
    qtbot, services, visitor, answers
):
    from ui.app import build_window

    win = build_window(services, visitor)
    qtbot.addWidget(win)
    win.show()
    action = win.feature(attendance_ui.AttendanceFeature).import_action
    assert not action.isEnabled() and "Only office staff" in action.toolTip()
    win.show_panel("Attendance")
    panel = win.feature(attendance_ui.AttendanceFeature).panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    assert panel.selected() is not None and panel.book_button.isEnabled()
    assert not panel.dismiss_button.isEnabled()
    assert "signed in as visiting staff" in panel.dismiss_button.toolTip()
    win.close()


def test_incident_dialog_refuses_a_time_in_the_future_on_the_when_field(
    window, qtbot, answers, monkeypatch
):
    results = []

    def answer(dialog):
        dialog.edits["what"].setPlainText("Dad shouted at staff on the doorstep")
        dialog.when.setDateTime(dialog.when.dateTime().addDays(30))
        results.append(save_form(qtbot, dialog))
        results.append(dialog.banner.text())
        return False

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    window.feature(incidents_ui.IncidentsFeature).record_action.trigger()
    settle(qtbot)  # the households are read on the reader, then the form opens
    assert results[0] is False
    assert "• When: " in results[1] and "is in the future" in results[1]
    with window.services.db.read() as s:
        assert s.scalar(select(func.count(Incident.id))) == 0


def test_incident_from_the_menu_can_name_the_household(window, qtbot, answers, monkeypatch):
    def answer(dialog):
        dialog.edits["what"].setPlainText("Neighbour threatened staff in the car park")
        picker = dialog.household
        picker.setCurrentIndex(
            next(i for i in range(picker.count()) if "Begum" in picker.itemText(i))
        )
        return save_form(qtbot, dialog)

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    window.feature(incidents_ui.IncidentsFeature).record_action.trigger()
    settle(qtbot)  # the households are read on the reader, then the form opens
    with window.services.db.read() as s:
        incident = s.scalar(select(Incident))
        from hvdesk.models import Household

        household = s.get(Household, incident.household_id)
    assert household.name.startswith("Begum") and incident.place == household.one_line_address


# --- dismissing and incidents off the GUI thread (ui/dialog_save.py) -------------------------
def _suggestions(window, qtbot):
    window.show_panel("Attendance")
    panel = window.feature(attendance_ui.AttendanceFeature).panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    return panel


def _decisions(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(AttendanceDecision.id)))


def test_a_dismissal_is_written_while_the_window_keeps_answering(
    window, qtbot, answers, monkeypatch
):

    from tests.ui.test_tracker_writes import Beats, slow

    panel = _suggestions(window, qtbot)
    monkeypatch.setattr(attendance_ui, "ask_reason", lambda _p, _s, _t: "Mum rang: chickenpox")
    with slow(window.services.db) as on_gui_thread:
        beats = Beats(lambda: panel.saving.busy)
        answered = returns_while_held(window.services.db, lambda: panel.dismiss_button.click())
        during_click = list(on_gui_thread)
        assert panel.banner.text() == "Saving…" and not panel.dismiss_button.isEnabled()
        assert panel._dismiss() is False  # pressed again while saving: nothing more is sent
        saved(qtbot, panel, timeout=30_000)
        beats.stop()
    assert answered and during_click == []
    assert beats.during >= 3
    assert _decisions(window.services.db) == 1


def test_a_dismissal_the_database_does_not_take_offers_the_reason_again(
    window, qtbot, answers, monkeypatch
):
    from tests.ui.test_tracker_writes import failing_writes

    panel = _suggestions(window, qtbot)
    offered = []

    def ask(_p, _s, typed):
        offered.append(typed)
        return typed or "Mum rang: chickenpox"

    monkeypatch.setattr(attendance_ui, "ask_reason", ask)
    with failing_writes(window.services.db):
        panel.dismiss_button.click()
        saved(qtbot, panel)
    assert "the dismissal was NOT recorded" in panel.banner.text()
    assert _decisions(window.services.db) == 0 and panel.model.rowCount() == 2
    panel.dismiss_button.click()  # the database is back: the reason typed is offered again
    saved(qtbot, panel)
    assert offered == ["", "Mum rang: chickenpox"]
    assert _decisions(window.services.db) == 1
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)


def _incidents(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Incident.id)))


def test_an_incident_is_written_while_the_window_keeps_answering(
    window, qtbot, answers, monkeypatch
):

    from tests.ui.test_tracker_writes import slow

    timings = []

    def answer(dialog):
        dialog.edits["what"].setPlainText("Neighbour's dog loose in the stairwell")
        with slow(window.services.db) as on_gui_thread:
            sent: list[bool] = []
            answered = returns_while_held(window.services.db, lambda: sent.append(dialog.save()))
            timings.append((sent == [True], answered, list(on_gui_thread)))
            assert dialog.banner.text() == "Saving…"
            assert dialog.save() is False  # pressed again while saving: recorded once
            saved(qtbot, dialog, timeout=30_000)
        return dialog.result() == dialog.DialogCode.Accepted

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    window.feature(incidents_ui.IncidentsFeature).record_action.trigger()
    settle(qtbot)  # the households are read on the reader, then the form opens
    (sent, answered, during_click), = timings
    assert sent and answered and during_click == []
    assert _incidents(window.services.db) == 1


def test_an_incident_the_database_does_not_take_keeps_what_was_typed(
    window, qtbot, answers, monkeypatch
):
    from tests.ui.test_tracker_writes import failing_writes

    kept = []

    def answer(dialog):
        dialog.edits["what"].setPlainText("Shouting at the door")
        dialog.edits["witnesses"].setText("Tom Lee")
        with failing_writes(window.services.db):
            assert not save_form(qtbot, dialog)
        kept.append(dialog.banner.text())
        kept.append((dialog.edits["what"].toPlainText(), dialog.edits["witnesses"].text()))
        return save_form(qtbot, dialog)  # the database is back: saved

    monkeypatch.setattr(incidents_ui, "run_dialog", answer)
    window.feature(incidents_ui.IncidentsFeature).record_action.trigger()
    settle(qtbot)  # the households are read on the reader, then the form opens
    assert "the incident was NOT recorded. What you typed is kept." in kept[0]
    assert kept[1] == ("Shouting at the door", "Tom Lee")
    assert _incidents(window.services.db) == 1


def test_the_head_acknowledges_an_incident_off_the_gui_thread(qtbot, services, answers):

    from hvdesk.services.incidents import IncidentInput
    from tests.ui.test_approvals import actor_for
    from tests.ui.test_tracker_writes import failing_writes, slow
    from ui.app import build_window

    head = actor_for(services, "head")
    win = build_window(services, head)
    qtbot.addWidget(win)
    win.show()
    panel = win.feature(incidents_ui.IncidentsFeature).panel
    window_incidents = panel.service
    recorded = window_incidents.record(
        head, IncidentInput(occurred_at=services.clock.now(), what="Dog loose")
    )
    win.show_panel("Incidents")
    panel.refresh()
    shown(win)  # read on the window's reader
    panel.view.selectRow(0)
    assert panel.selected().id == recorded.id
    with failing_writes(services.db):
        panel.ack_button.click()
        saved(qtbot, panel)
    assert "the acknowledgement was NOT recorded" in panel.banner.text()
    assert window_incidents.list()[0].acknowledged_at is None
    with slow(services.db) as on_gui_thread:
        answered = returns_while_held(services.db, lambda: panel.ack_button.click())
        during_click = list(on_gui_thread)
        assert panel.banner.text() == "Saving…" and not panel.ack_button.isEnabled()
        assert panel.acknowledge_selected() is False  # again while saving: nothing more sent
        saved(qtbot, panel, timeout=30_000)
    assert answered and during_click == []
    assert window_incidents.list()[0].acknowledged_by == head.name
    assert recorded.id == window_incidents.list()[0].id
    win.close()
