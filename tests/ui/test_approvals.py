"""The Approval screen: the right role approves, the wrong role is refused, checks explain
themselves, one click opens the full assessment; lone working and the audited safe-word reveal."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from hvdesk.models import Event, LoneWorkingAssessment, UserAccount, VisitStatus
from hvdesk.services.base import Actor
from tests.ui.waiting import idle, returns_while_held, saved, settle, shown
from ui.models.table import ObjectRole
from ui.panels.approvals import ApprovalFeature
from ui.session_lock import SessionLockFeature

pytestmark = pytest.mark.ui


def actor_for(services, username: str) -> Actor:
    with services.db.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == username))
    return Actor(user.id, user.display_name, user.role)


@pytest.fixture
def head_window(qtbot, services, answers):
    from ui.app import build_window

    win = build_window(services, actor_for(services, "head"))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def queue_of(window):
    window.show_panel("Approval")
    idle(window, None)  # the queue is read on the window's reader worker
    return window.feature(ApprovalFeature).panel


def select_where(panel, predicate):
    for row in range(panel.proxy.rowCount()):
        item = panel.proxy.index(row, 0).data(ObjectRole)
        if predicate(item):
            panel.table.selectRow(row)
            return item
    raise AssertionError("no such visit in the queue")


def events(services, kind, visit_id):
    with services.db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind, Event.visit_id == visit_id)))


def test_approval_screen_sits_after_visits_and_lists_the_queue(window, qtmodeltester):
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert names.index("Approval") == names.index("Visits") + 1
    panel = queue_of(window)
    pending = window.services.visits.with_status(VisitStatus.AWAITING_APPROVAL)
    assert panel.model.rowCount() == len(pending)
    assert panel.title.text().startswith(f"AWAITING APPROVAL ({len(pending)})")
    qtmodeltester.check(panel.model)
    headers = [panel.model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["When", "Household", "Checks", "Risk", "Staff", "Purpose"]


def test_approver_approves_a_lone_visit_with_decision_and_note(head_window, services, qtbot):
    panel = queue_of(head_window)
    item = select_where(panel, lambda i: i.check.needs_lone_decision)
    assert panel.lone_decision.isVisible() and panel.approve_button.isEnabled()
    assert "Decision needed" in panel.detail.toPlainText()
    assert "Reason for a lone visit" in panel.detail.toPlainText()
    panel.approve_button.click()
    saved(qtbot, panel)
    assert panel.banner.isVisible() and "Not decided yet" in panel.banner.text()
    assert "Lone visit decision" in panel.banner.text() and "Note" in panel.banner.text()
    assert services.visits.get(item.visit.id).status == VisitStatus.AWAITING_APPROVAL
    panel.lone_decision.setChecked(True)
    qtbot.keyClicks(panel.note, "Doorstep drop-off only; phone in on leaving")
    with qtbot.waitSignal(panel.changed):
        panel.approve_button.click()
    saved(qtbot, panel)
    idle(head_window, qtbot)  # the queue read again
    visit = services.visits.get(item.visit.id)
    assert visit.status == VisitStatus.APPROVED and visit.approval_note.startswith("Doorstep")
    assert panel.result.text().startswith("✓ Approved: ")
    assert all(i.visit.id != item.visit.id for i in panel.model.rows())
    [ev] = events(services, "approved", item.visit.id)
    assert ev.user_name == "Linda Francis" and ev.data["lone_visit_decision"] is True


def test_office_sees_the_queue_read_only_and_is_refused(window, services, qtbot, answers):
    panel = queue_of(window)
    assert "Read only: only an approver (Headteacher)" in panel.role_label.text()
    item = select_where(panel, lambda i: not i.check.findings)
    assert not panel.decision.isEnabled() and not panel.approve_button.isEnabled()
    assert panel.open_button.isEnabled()  # reading the assessment is fine
    panel.approve_selected()  # even if the button were pressed, the service refuses
    saved(qtbot, panel)
    title, text, kind = answers["told"][-1]
    assert title == "Not decided" and "approver role" in text and kind == "warning"
    assert services.visits.get(item.visit.id).status == VisitStatus.AWAITING_APPROVAL
    assert events(services, "approved", item.visit.id) == []


def test_blocked_visit_explains_itself_and_cannot_be_approved(
    head_window, services, make_visit, answers
):
    staff = {s.name: s for s in services.staff.list()}
    vid = make_visit(
        household_id=3,
        lead_id=staff["Jasmin Patel"].id,
        companion_id=staff["Bethan Smith"].id,  # DBS lapsed
        status=VisitStatus.AWAITING_APPROVAL.value,
    )
    panel = queue_of(head_window)
    panel.refresh()
    idle(head_window, None)
    item = select_where(panel, lambda i: i.visit.id == vid)
    assert item.check.headline.startswith("✖ Blocked:")
    text = panel.detail.toPlainText()
    assert "No risk assessment" in text and "Bethan Smith's DBS check" in text
    assert text.count("Fix:") >= 2
    assert not panel.approve_button.isEnabled() and panel.reject_button.isEnabled()
    assert "Cannot be approved until the facts change" in panel.decision_hint.text()
    assert not panel.open_button.isEnabled()


def test_reject_needs_a_note_and_is_confirmed(head_window, services, qtbot, answers):
    panel = queue_of(head_window)
    item = select_where(panel, lambda i: not i.check.findings)
    panel.reject_button.click()
    saved(qtbot, panel)
    assert "say why" in panel.banner.text()
    qtbot.keyClicks(panel.note, "Meet in school on Friday instead")
    answers["reply"][0] = False
    panel.reject_button.click()
    assert answers["asked"][-1][0] == "Reject visit"
    assert services.visits.get(item.visit.id).status == VisitStatus.AWAITING_APPROVAL
    answers["reply"][0] = True
    panel.refresh()  # e.g. another seat changed something: the half-typed note is kept
    idle(head_window, qtbot)
    assert panel.selected().visit.id == item.visit.id
    assert panel.note.toPlainText() == "Meet in school on Friday instead"
    panel.reject_button.click()
    saved(qtbot, panel)
    visit = services.visits.get(item.visit.id)
    assert visit.status == VisitStatus.REJECTED and visit.approval_note.startswith("Meet in school")


def test_one_click_opens_the_full_assessment(head_window, services):
    panel = queue_of(head_window)
    item = select_where(panel, lambda i: i.assessment is not None)
    panel.open_button.click()
    settle(None)  # the assessment is read on the window's reader, then shown
    viewer = head_window.feature(ApprovalFeature).viewer
    assert viewer is not None and viewer.isVisible()
    text = viewer.browser.toPlainText()
    for words in ("1 Information gathered", "3 When not to visit", "4 Hazards", "Driving"):
        assert words in text
    assert item.visit.household.name in viewer.windowTitle()
    viewer.close()


def test_approve_reject_action_from_a_visit_opens_it_in_the_queue(head_window, services):
    pending = services.visits.with_status(VisitStatus.AWAITING_APPROVAL)[-1]
    visit = services.visits.get(pending.id)
    labels = [a.label for a in head_window.visit_actions.for_visit(visit)]
    assert "Approve / reject…" in labels and "Risk assessment…" in labels
    action = next(
        a for a in head_window.visit_actions.for_visit(visit) if a.label == "Approve / reject…"
    )
    action.run(visit, head_window)
    idle(head_window, None)
    panel = head_window.feature(ApprovalFeature).panel
    assert head_window.stack.currentWidget() is panel
    assert panel.selected().visit.id == visit.id
    done = services.visits.with_status(VisitStatus.COMPLETED)[0]
    labels = [a.label for a in head_window.visit_actions.for_visit(services.visits.get(done.id))]
    assert "View risk assessment" in labels and "Risk assessment…" not in labels


def test_lone_working_from_staff_screen_and_audited_reveal(window, services, qtbot, answers):
    window.show_panel("Staff")
    shown(window)  # read on the window's reader
    staff_panel = window.staff
    button = next(b for b in staff_panel._feature_buttons if b.text() == "Lone working…")
    for row in range(staff_panel.proxy.rowCount()):
        if staff_panel.proxy.index(row, 0).data(ObjectRole).name == "Jasmin Patel":
            staff_panel.table.selectRow(row)
    button.click()
    settle(qtbot)  # the list is read on the window's reader
    dialog = window.feature(ApprovalFeature).lone_dialog
    assert dialog is not None and dialog.isVisible()
    chosen = dialog.selected()
    assert chosen.staff_name == "Jasmin Patel" and chosen.is_current
    table_text = [
        dialog.model.index(r, c).data() for r in range(dialog.model.rowCount()) for c in range(6)
    ]
    assert "•••••• hidden" in table_text
    with services.db.read() as s:
        word = s.scalars(
            select(LoneWorkingAssessment.safe_word).where(
                LoneWorkingAssessment.staff_id == chosen.staff_id
            )
        ).one()
    assert all(word not in str(t) for t in table_text)
    assert dialog.reveal_button.isEnabled()
    dialog.reveal_selected()
    settle(qtbot)  # the reveal is audited on the write worker, then shown
    assert "recorded in the audit trail" in answers["asked"][-1][1]
    title, text, _kind = answers["told"][-1]
    assert title == "Safe word for Jasmin Patel" and word in text
    with services.db.read() as s:
        [ev] = s.scalars(select(Event).where(Event.kind == "safe_word_revealed")).all()
    assert ev.user_name == "Sam Office" and word not in ev.note
    dialog.close()


def test_signing_a_lone_working_assessment_in_the_dialog(window, services, qtbot, answers):
    dialog = window.feature(ApprovalFeature).open_lone_working()
    settle(qtbot)  # the list is read on the window's reader
    zoe = next(r for r, s in enumerate(dialog.model.rows()) if s.state == "none")
    dialog.table.selectRow(zoe)
    assert not dialog.reveal_button.isEnabled()  # nothing to reveal
    from ui.lone_working_dialog import SignLoneWorkingDialog

    status = dialog.selected()
    sign = SignLoneWorkingDialog(
        dialog.service, window.actor, status, "07700 900955", services.clock.now().date(), dialog
    )
    sign._save()
    saved(qtbot, sign)
    assert "Declaration" in sign.banner.text() and "Safe word" in sign.banner.text()
    assert sign.safe_word.echoMode() == sign.safe_word.EchoMode.Password
    sign.declaration.setChecked(True)
    qtbot.keyClicks(sign.safe_word, "kingfisher")
    qtbot.keyClicks(sign.confirm, "kingfisher")
    sign._save()
    saved(qtbot, sign)
    assert sign.saved is not None and sign.saved.state == "current"
    dialog.refresh(status.staff_id)
    settle(qtbot)
    assert dialog.selected().text.startswith("✓ Current until")
    assert "kingfisher" not in dialog.history.item(0).text()
    dialog.close()


def test_visitor_cannot_reveal(qtbot, services, answers):
    from ui.app import build_window

    win = build_window(services, actor_for(services, "jpatel"))
    qtbot.addWidget(win)
    dialog = win.feature(ApprovalFeature).open_lone_working()
    settle(qtbot)  # the list is read on the window's reader
    dialog.table.selectRow(0)
    assert dialog.selected().assessment_id is not None
    assert not dialog.reveal_button.isEnabled()
    assert "Only office users and approvers" in dialog.reveal_button.toolTip()
    dialog.close()
    win.close()


def test_admin_adds_an_approver_who_signs_in_and_approves(qtbot, services, answers):
    from ui.app import build_window
    from ui.panels.users import UserDialog

    admin = build_window(services, actor_for(services, "admin"))
    qtbot.addWidget(admin)
    names = [admin.nav.item(i).text() for i in range(admin.nav.count())]
    assert names[-1] == "Users" and "Approval" in names
    users = admin.panels["Users"]
    dialog = UserDialog(services.auth, admin.actor, [], "Headteacher", users)
    qtbot.addWidget(dialog)
    dialog.username.setText("dhead")
    dialog.display_name.setText("Dev Deputy")
    dialog.role.setCurrentIndex(dialog.role.findData("approver"))
    dialog.title.setText("Assistant Headteacher")
    dialog.password.setText("correct horse")
    dialog.confirm.setText("correct hose")
    dialog._save()
    assert "Confirm password: does not match" in dialog.banner.text()
    dialog.confirm.setText("correct horse")
    dialog._save()
    saved(qtbot, dialog)
    assert dialog.saved is not None and dialog.saved.approver_title == "Assistant Headteacher"
    users.refresh()
    shown(users)
    assert any(u.username == "dhead" for u in users.model.rows())
    admin.close()

    deputy = services.auth.sign_in("dhead", "correct horse")
    assert deputy.role == "approver"
    win = build_window(services, deputy)
    qtbot.addWidget(win)
    panel = queue_of(win)
    item = select_where(panel, lambda i: not i.check.findings)
    panel.approve_button.click()
    saved(qtbot, panel)
    assert services.visits.get(item.visit.id).status == VisitStatus.APPROVED
    win.close()


def _shown_screens(window) -> list[str]:
    return [
        window.nav.item(i).text()
        for i in range(window.nav.count())
        if not window.nav.item(i).isHidden()
    ]


def test_office_has_no_users_screen(window):
    assert "Users" not in _shown_screens(window)
    assert not window.panels["Users"].isEnabled()


def test_the_users_screen_follows_whoever_signs_in_at_the_seat(qtbot, services, answers):
    """Admin over office gets the Users screen; office over admin loses it (and Add user…)."""
    from ui.app import build_window

    win = build_window(services, actor_for(services, "office"))
    qtbot.addWidget(win)
    lock = win.feature(SessionLockFeature).lock
    users = win.panels["Users"]
    lock.lock()
    lock.unlock_as(actor_for(services, "admin"))
    assert "Users" in _shown_screens(win) and users.isEnabled()
    assert users.add_button.isEnabled()
    win.show_panel("Users")
    lock.lock()
    lock.unlock_as(actor_for(services, "office"))
    assert "Users" not in _shown_screens(win) and not users.isEnabled()
    assert not users.add_button.isEnabled()
    assert win.stack.currentWidget() is not users
    win.close()


# --- deciding and signing off the GUI thread (ui/dialog_save.py) ---------------------------------
def test_an_approval_is_written_while_the_window_keeps_answering(head_window, services, qtbot):
    from tests.ui.test_tracker_writes import Beats, slow

    panel = queue_of(head_window)
    item = select_where(panel, lambda i: not i.check.findings)
    with slow(services.db) as on_gui_thread:
        beats = Beats(lambda: not panel.result.text().startswith("✓ Approved"))
        answered = returns_while_held(services.db, lambda: panel.approve_button.click())
        during_click = list(on_gui_thread)
        assert panel.banner.text() == "Saving…"
        assert not panel.approve_button.isEnabled() and not panel.reject_button.isEnabled()
        panel.approve_selected()  # pressed again while saving: nothing more is sent
        qtbot.waitUntil(lambda: panel.result.text().startswith("✓ Approved"), timeout=30_000)
        beats.stop()
    assert answered and during_click == []
    assert beats.during >= 3
    assert services.visits.get(item.visit.id).status == VisitStatus.APPROVED
    assert len(events(services, "approved", item.visit.id)) == 1


def test_a_decision_the_database_does_not_take_keeps_the_note(head_window, services, qtbot):
    from tests.ui.test_tracker_writes import failing_writes

    panel = queue_of(head_window)
    item = select_where(panel, lambda i: not i.check.findings)
    qtbot.keyClicks(panel.note, "Fine: two staff, daylight")
    with failing_writes(services.db):
        panel.approve_button.click()
        saved(qtbot, panel)
    text = panel.banner.text()
    assert text.startswith("The database is not answering: the decision was NOT recorded.")
    assert "What you typed is kept. Try again." in text
    assert panel.note.toPlainText() == "Fine: two staff, daylight"
    assert panel.approve_button.isEnabled() and panel.selected().visit.id == item.visit.id
    assert services.visits.get(item.visit.id).status == VisitStatus.AWAITING_APPROVAL
    assert events(services, "approved", item.visit.id) == []


def _sign_dialog(window, services):
    from ui.lone_working_dialog import SignLoneWorkingDialog

    listing = window.feature(ApprovalFeature).open_lone_working()
    shown(window)  # the list is read on the window's reader
    zoe = next(r for r, s in enumerate(listing.model.rows()) if s.state == "none")
    listing.table.selectRow(zoe)
    sign = SignLoneWorkingDialog(
        listing.service,
        window.actor,
        listing.selected(),
        "07700 900955",
        services.clock.now().date(),
        listing,
        writer=window.writer,
    )
    sign.show()
    sign.declaration.setChecked(True)
    for edit in (sign.safe_word, sign.confirm):
        edit.setText("kingfisher")
    for edit in (sign.pin, sign.confirm_pin):
        edit.setText("4821")
    return listing, sign


def _signed(services) -> int:
    with services.db.read() as s:
        return len(s.scalars(select(LoneWorkingAssessment)).all())


def test_signing_is_written_while_the_window_keeps_answering(window, services, qtbot, answers):
    from PySide6.QtWidgets import QDialog

    from tests.ui.test_tracker_writes import Beats, slow

    listing, sign = _sign_dialog(window, services)
    before = _signed(services)
    accepted = QDialog.DialogCode.Accepted
    with slow(services.db) as on_gui_thread:
        beats = Beats(lambda: sign.result() != accepted)
        answered = returns_while_held(services.db, lambda: sign._save())
        during_click = list(on_gui_thread)
        assert sign.banner.text() == "Saving…"
        sign._save()  # pressed again while saving: signed once
        qtbot.waitUntil(lambda: sign.result() == accepted, timeout=30_000)
        beats.stop()
    assert answered and during_click == []
    assert beats.during >= 3
    assert _signed(services) == before + 1 and sign.saved.state == "current"
    listing.close()


def test_a_signature_the_database_does_not_take_keeps_what_was_typed(
    window, services, qtbot, answers
):
    from tests.ui.test_tracker_writes import failing_writes

    listing, sign = _sign_dialog(window, services)
    before = _signed(services)
    with failing_writes(services.db):
        sign._save()
        saved(qtbot, sign)
    text = sign.banner.text()
    assert "the lone working assessment was NOT recorded. What you typed is kept." in text
    assert sign.isVisible() and sign.safe_word.text() == "kingfisher"
    assert sign.declaration.isChecked() and sign.pin.text() == "4821"
    assert _signed(services) == before and sign.saved is None
    listing.close()


def test_sent_for_approval_is_said_even_if_who_will_see_it_cannot_be_read(
    window, services, qtbot, answers, monkeypatch
):
    """Review 9d #1: the send is committed; a failing read of the approvers afterwards must not
    turn it into 'Not sent … NOT recorded. Try again.'"""
    from sqlalchemy.exc import OperationalError

    from hvdesk.models import Visit

    with services.db.read() as s:
        vid = s.scalar(select(Visit.id).where(Visit.status == VisitStatus.DRAFT.value))
    visit = services.visits.get(vid)
    feature = window.feature(ApprovalFeature)

    def dropped(*_a, **_k):  # the connection drops just after the send committed
        raise OperationalError("SELECT users", {}, Exception("server closed the connection"))

    monkeypatch.setattr(window.services.auth, "list", dropped)
    feature._submit(visit)
    qtbot.waitUntil(lambda: any(t[0] != "" for t in answers["told"]), timeout=10_000)
    settle(qtbot)
    with services.db.read() as s:
        assert s.get(Visit, vid).status == VisitStatus.AWAITING_APPROVAL.value
    titles = [t[0] for t in answers["told"]]
    assert "Not sent" not in titles
    said = [t for t in answers["told"] if t[0] == "Sent for approval"]
    assert said and "could not read who will see it" in said[-1][1]
