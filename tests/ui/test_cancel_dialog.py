"""Cancelling a visit where the policy asks the family to be told (Hampton)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy import select

from hvdesk.models import CancelReason, Event, Visit
from hvdesk.services.cancellation import CancellationService
from tests.ui.waiting import returns_while_held, save_form, saved, slow_press
from ui.cancel_dialog import CancelDialog
from ui.dialog_save import DialogSave
from ui.forms import error_banner


def _dialog(qtbot, services, actor) -> tuple[CancelDialog, int]:
    with services.db.read() as s:
        visit_id = s.scalar(select(Visit.id).where(Visit.status == "approved").order_by(Visit.id))
    policy = replace(services.settings.policy(), tell_family_on_cancel=True)
    dialog = CancelDialog(
        CancellationService(services.db, services.clock),
        actor,
        services.visits.get(visit_id),
        policy,
    )
    qtbot.addWidget(dialog)
    return dialog, visit_id


def _family_events(db, visit_id: int) -> list[Event]:
    with db.read() as s:
        return list(
            s.scalars(select(Event).where(Event.kind == "family_told", Event.visit_id == visit_id))
        )


def test_hampton_tell_family_on_cancel_needs_a_choice_and_logs_no_call_unasked(
    qtbot, services, office_actor
):
    dialog, visit_id = _dialog(qtbot, services, office_actor)
    assert not any(b.isChecked() for b in dialog.family_choice.values())
    dialog.choose(CancelReason.FAMILY_CANCELLED)
    assert not save_form(qtbot, dialog)
    assert "Tell the family: choose whether you have phoned them" in dialog.banner.text()
    assert services.visits.get(visit_id).status == "approved"
    dialog.family_choice["later"].setChecked(True)
    assert save_form(qtbot, dialog)
    assert services.visits.get(visit_id).status == "cancelled"
    assert _family_events(services.db, visit_id) == []  # nobody phoned: no call logged


def test_hampton_tell_family_on_cancel_logs_the_call_when_chosen(qtbot, services, office_actor):
    dialog, visit_id = _dialog(qtbot, services, office_actor)
    dialog.choose(CancelReason.FAMILY_CANCELLED)
    dialog.family_choice["call"].setChecked(True)
    assert save_form(qtbot, dialog)
    assert [e.data["how"] for e in _family_events(services.db, visit_id)] == ["call"]


def test_family_not_yet_told_is_a_follow_up_until_someone_phones(
    qtbot, services, office_actor, approver, monkeypatch
):
    from hvdesk.policy import preset
    from hvdesk.services.follow_ups import FollowUpService
    from ui import cancel_dialog

    services.settings.save_policy(approver, preset("hampton"))
    dialog, visit_id = _dialog(qtbot, services, office_actor)
    dialog.choose(CancelReason.STAFF_UNAVAILABLE)
    dialog.family_choice["later"].setChecked(True)
    assert save_form(qtbot, dialog)
    found = FollowUpService(services.db, services.clock).load()
    waiting = [f.visit_id for f in found.families]  # the demo's own cancellations too
    assert visit_id in waiting
    words = f"Family not yet told of a cancellation: {len(waiting)} visits"
    assert ("family", words) in found.phrases()
    index = waiting.index(visit_id)
    answers = iter([index, 0])  # this visit, then 'I have phoned them'
    monkeypatch.setattr(cancel_dialog, "pick", lambda _w, _t, _q, items: items[next(answers)])
    service = CancellationService(services.db, services.clock)
    told = []
    holder = QWidget()
    qtbot.addWidget(holder)
    saving = DialogSave(holder, error_banner(), {}, "record")
    assert cancel_dialog.tell_families(
        None, office_actor, service, found.families, saving, lambda: told.append(True)
    )
    qtbot.waitUntil(lambda: told == [True], timeout=10_000)
    assert [e.data["how"] for e in _family_events(services.db, visit_id)] == ["call"]
    left = [f.visit_id for f in FollowUpService(services.db, services.clock).load().families]
    assert left == [v for v in waiting if v != visit_id]


def test_a_cancellation_is_written_while_the_window_keeps_answering(
    qtbot, services, office_actor
):
    from tests.ui.test_tracker_writes import Beats, slow

    dialog, visit_id = _dialog(qtbot, services, office_actor)
    dialog.show()
    dialog.choose(CancelReason.FAMILY_CANCELLED)
    dialog.family_choice["later"].setChecked(True)
    accepted = QDialog.DialogCode.Accepted
    with slow(services.db) as on_gui_thread:
        beats = Beats(lambda: dialog.result() != accepted)
        answered = returns_while_held(services.db, lambda: dialog.save())
        during_click = list(on_gui_thread)
        assert dialog.banner.text() == "Saving…" and dialog.isVisible()
        assert not dialog.save()  # pressed again while saving: nothing more is sent
        qtbot.waitUntil(lambda: dialog.result() == accepted, timeout=30_000)
        beats.stop()
    assert answered and during_click == [] and beats.during >= 3
    assert services.visits.get(visit_id).status == "cancelled"


def test_a_cancellation_the_database_does_not_take_keeps_what_was_typed(
    qtbot, services, office_actor
):
    from tests.ui.test_tracker_writes import failing_writes

    dialog, visit_id = _dialog(qtbot, services, office_actor)
    dialog.show()
    dialog.choose(CancelReason.FAMILY_CANCELLED)
    dialog.family_choice["later"].setChecked(True)
    dialog.note.setPlainText("Mum rang: Ben is ill")
    with failing_writes(services.db):
        assert not save_form(qtbot, dialog)
    assert "the cancellation was NOT recorded. What you typed is kept." in dialog.banner.text()
    assert dialog.isVisible() and dialog.note.toPlainText() == "Mum rang: Ben is ill"
    assert dialog.reason() == CancelReason.FAMILY_CANCELLED.value
    assert services.visits.get(visit_id).status == "approved"


def test_telling_a_family_from_today_is_written_while_the_window_keeps_answering(
    window, qtbot, approver, monkeypatch, answers
):
    from hvdesk.policy import preset
    from tests.ui.test_tracker_writes import failing_writes
    from ui import cancel_dialog
    from ui.follow_ups import FollowUpsFeature

    window.services.settings.save_policy(approver, preset("hampton"))
    window.data_changed.emit()
    strip = window.feature(FollowUpsFeature).strip
    qtbot.waitUntil(lambda: bool(strip.current.families), timeout=10_000)
    visit_id = strip.current.families[0].visit_id
    monkeypatch.setattr(cancel_dialog, "pick", lambda _w, _t, _q, items: items[0])
    assert strip.saving.writer is window.writer
    with failing_writes(window.services.db):
        strip._open("family")
        saved(qtbot, strip)
    assert "the follow-up was NOT recorded" in strip.banner.text()
    assert _family_events(window.services.db, visit_id) == []
    answered, during = slow_press(
        qtbot, window.services.db, strip, lambda: strip._open("family"),
        lambda: cancel_dialog.tell_families(
            None, window.actor, None, strip.current.families, strip.saving, lambda: None
        ),
    )  # fmt: skip
    assert answered and during == []
    assert [e.data["how"] for e in _family_events(window.services.db, visit_id)] == ["call"]


def test_a_social_worker_told_from_today_is_written_off_the_gui_thread(
    window, qtbot, monkeypatch, answers
):
    from hvdesk.models import Household
    from hvdesk.services.outcomes import OutcomeInput, OutcomeService
    from tests.ui.test_tracker_writes import failing_writes
    from ui import follow_ups as follow_ups_ui
    from ui.follow_ups import FollowUpsFeature

    outcomes = OutcomeService(window.services.db, window.services.clock)
    with window.services.db.read() as s:
        visit_id = s.scalar(
            select(Visit.id)
            .join(Household, Household.id == Visit.household_id)
            .where(Visit.status == "returned", Household.social_worker_name != "")
        )
    assert visit_id is not None
    outcomes.record(
        window.actor,
        visit_id,
        OutcomeInput(summary="Seen", safeguarding_concern=True, dsl_informed=True,
                     social_worker_not_yet_reason="not answering"),
    )  # fmt: skip
    window.data_changed.emit()
    strip = window.feature(FollowUpsFeature).strip
    qtbot.waitUntil(
        lambda: visit_id in [p.visit_id for p in strip.current.social_workers], timeout=10_000
    )

    def pick(_parent, _title, _question, items, *_rest):
        return next(i for i in items if i.startswith(f"Visit {visit_id}:")), True

    monkeypatch.setattr(follow_ups_ui.QInputDialog, "getItem", pick)
    with failing_writes(window.services.db):
        strip._open("social")
        saved(qtbot, strip)
    assert "the follow-up was NOT recorded" in strip.banner.text()
    assert not outcomes.get(visit_id).social_worker_informed
    answered, during = slow_press(
        qtbot, window.services.db, strip, lambda: strip._open("social"),
        lambda: follow_ups_ui.tell_social_workers(window, strip.current, strip.saving),
    )  # fmt: skip
    assert answered and during == []
    assert outcomes.get(visit_id).social_worker_informed


def test_a_slow_cancel_read_never_closes_a_booking_form_opened_meanwhile(
    window, qtbot, answers, monkeypatch
):
    import threading

    from sqlalchemy import select

    from hvdesk.models import Visit
    from tests.ui.waiting import idle, opened
    from ui.booking_dialog import BookingDialog
    from ui.calendar.feature import CalendarFeature

    idle(window, qtbot)
    controller = window.feature(CalendarFeature).controller
    with window.services.db.read() as s:
        visit_id = s.scalar(select(Visit.id).where(Visit.status == "approved"))
    release, real = threading.Event(), window.services.visits.get

    def slow_get(vid):
        release.wait(10)
        return real(vid)

    monkeypatch.setattr(window.services.visits, "get", slow_get)
    controller.cancel_visit(window, visit_id)  # "Cancel visit…": its read is out
    monkeypatch.setattr(window.services.visits, "get", real)
    controller.new_visit(window)  # then the person opens a new booking instead
    release.set()
    booking = opened(qtbot, controller)
    booking.notes.setPlainText("typed into the new visit")
    idle(window, qtbot)
    assert isinstance(booking, BookingDialog) and booking.isVisible()
    assert controller.dialog is booking
    assert booking.notes.toPlainText() == "typed into the new visit"
    booking.reject()
