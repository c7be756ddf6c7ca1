"""The Notifications screen and status bar: contacts added, ordered, tested; channels set; every
message listed; who monitors and a loud warning when nobody does while staff are out."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from hvdesk.models import Role
from hvdesk.notify import lease as leases
from hvdesk.notify.config import NotifyConfig
from hvdesk.services.base import Actor
from hvdesk.services.notifications import ContactInput, NotificationService
from tests.ui.waiting import save_form
from ui.notify.feature import NotifyFeature
from ui.notify.status import monitor_text
from ui.session_lock import SessionLockFeature

pytestmark = pytest.mark.ui
SHOTS = os.environ.get("HVDESK_SHOTS")  # set to a folder to keep screenshots


def shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def admin(services) -> Actor:
    from tests.conftest import _user

    return _user(services.db, "t_admin", "Ian Admin", Role.ADMIN)


def test_add_contacts_in_order_and_send_a_test(qtbot, window, services, answers):
    window.show_panel("Notifications")
    panel = window.feature(NotifyFeature).panel
    panel.tabs.setCurrentWidget(panel.contacts)
    tab = panel.contacts

    def fill(dialog, name, role, mobile, email):
        dialog.name.setText(name)
        dialog.role.setText(role)
        dialog.mobile.setText(mobile)
        dialog.email.setText(email)
        dialog._save()
        qtbot.waitUntil(lambda: dialog.result() != 0, timeout=5000)
        return dialog.result()

    people = iter(
        [
            ("Linda Francis", "Headteacher", "07700 900789", "head@example.org"),
            ("Priya Shah", "DSL", "", "dsl@example.org"),
        ]
    )
    tab.open_dialog = lambda d: fill(d, *next(people))
    tab.add()
    tab.add()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    assert [c.name for c in tab.model.rows()] == ["Linda Francis", "Priya Shah"]
    tab.table.selectRow(1)
    tab.move_selected(-1)
    qtbot.waitUntil(lambda: tab.model.rows()[0].name == "Priya Shah", timeout=5000)
    tab.table.selectRow(0)
    assert not tab.buttons["sms"].isEnabled() and tab.buttons["email"].isEnabled()
    tab.send_test("email")
    qtbot.waitUntil(lambda: "Could not do that" in tab.status.text(), timeout=5000)
    assert "Email is not set up" in tab.status.text()  # said plainly, not a traceback
    shot(window, "notifications_contacts")


def test_bad_contact_is_named_in_the_dialog(qtbot, window):
    from ui.notify.contacts import ContactDialog

    panel = window.feature(NotifyFeature).panel
    dialog = ContactDialog(panel.contacts.service, window.actor, panel.contacts.worker)
    qtbot.addWidget(dialog)
    dialog.name.setText("Linda")
    dialog.mobile.setText("0121 496 0000")
    dialog._save()
    assert not dialog.banner.isHidden()
    assert "Mobile" in dialog.banner.text() and "landline" in dialog.banner.text()


def test_channels_screen_saves_for_an_admin_and_never_shows_a_secret(
    qtbot, services, admin, monkeypatch, tmp_path
):
    from ui.notify.channels import ChannelsTab
    from ui.worker import Worker

    monkeypatch.setenv("HVDESK_SECRETS_FILE", str(tmp_path / "secrets.json"))
    service = NotificationService(services.db, services.clock)
    worker = Worker()
    tab = ChannelsTab(service, admin, worker)
    qtbot.addWidget(tab)
    tab.resize(900, 900)
    tab.refresh()
    qtbot.waitUntil(lambda: tab.secret_labels["sms.token"].text() != "", timeout=5000)
    from PySide6.QtWidgets import QLabel

    labels = {label.text() for label in tab.findChildren(QLabel)}
    assert {"Server:", "Send from:", "School's number:", "Token:"} <= labels  # words, not keys
    assert not any(text.startswith(("smtp.", "sms.")) for text in labels)
    assert "(setting smtp.host)" in tab.texts["smtp.host"].toolTip()
    tab.texts["smtp.host"].setText("smtp.office365.com")
    tab.texts["smtp.from"].setText("alarms@harborne.example.org")
    tab.provider.setCurrentIndex(tab.provider.findData("twilio"))
    tab.texts["sms.account"].setText("AC123")
    tab.texts["sms.from"].setText("+447700900000")
    tab.save()
    qtbot.waitUntil(lambda: "Saved" in tab.status.text(), timeout=5000)
    assert service.config().smtp_host == "smtp.office365.com"
    assert service.config().channels_ready() == ["sms", "email"]
    tab.secret_edits["sms.token"].setText("s3cret-token")
    tab.store_secret("sms.token")
    qtbot.waitUntil(lambda: "stored" in tab.status.text(), timeout=5000)
    qtbot.waitUntil(lambda: "file" in tab.secret_labels["sms.token"].text(), timeout=5000)
    assert tab.secret_edits["sms.token"].text() == ""
    assert "s3cret" not in tab.grab().toImage().text()
    tab.texts["smtp.from"].setText("not-an-address")
    tab.save()
    qtbot.waitUntil(lambda: not tab.banner.isHidden(), timeout=5000)
    assert "smtp.from" in tab.banner.text()
    shot(tab, "notifications_channels")
    worker.wait()


def test_messages_screen_lists_every_message(qtbot, window, services, office_actor):
    service = NotificationService(services.db, services.clock)
    from tests.notifykit import configure

    configure(services.db, services.clock, smtp_port=2525, gateway_url="http://127.0.0.1:9")
    service.send_test(office_actor, "head@example.org")
    service.send_test(office_actor, "07700 900789")
    window.show_panel("Notifications")
    tab = window.feature(NotifyFeature).panel.messages
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=5000)
    assert "2 queued" in tab.summary.text()
    texts = [tab.model.index(r, 1).data() for r in range(2)]
    assert "head@example.org" in texts and "+447700900789" in texts
    shot(window, "notifications_messages")


def test_status_bar_names_the_monitor_and_warns_loudly_when_none_beats(
    qtbot, window, services, clock
):
    status = window.feature(NotifyFeature).status
    lease = leases.Lease(services.db, clock, host="SCHOOL-SRV")
    lease.beat()
    clock.advance(4)
    status.refresh()
    qtbot.waitUntil(
        lambda: status.monitor_label.text() == "Monitor: SCHOOL-SRV, 4 s ago", timeout=5000
    )
    clock.advance(timedelta(minutes=3))
    status.refresh()
    qtbot.waitUntil(lambda: "NO MONITOR" in status.monitor_label.text(), timeout=5000)
    assert "#b00020" in status.monitor_label.styleSheet()  # loud, and in words too
    shot(window, "status_no_monitor")


def test_status_bar_shows_a_failing_channel(qtbot, window, services, clock):
    from hvdesk.notify.sender import OutboxSender

    configure_sms(services)
    NotificationService(services.db, clock).send_test(
        Actor(None, "x", Role.ADMIN.value), "07700 900789"
    )
    OutboxSender(services.db, clock, lambda: ({}, {"sms": "401 from gateway"})).run_once()
    window.feature(NotifyFeature).status.refresh()
    label = window.feature(NotifyFeature).status.fault_label
    qtbot.waitUntil(lambda: label.isVisible(), timeout=5000)
    assert label.text() == "SMS failing since 09:00: 401 from gateway"


def configure_sms(services) -> None:
    NotificationService(services.db, services.clock).save_config(
        Actor(None, "IT", Role.ADMIN.value),
        NotifyConfig(sms_provider="twilio", sms_account="AC1", sms_from="+447700900000"),
    )


def test_monitor_text_words(clock):
    now = clock.now()
    this_pc = leases.LeaseStatus("PC1", leases.WINDOW, "me", now, now + timedelta(seconds=30))
    assert monitor_text(this_pc, now, mine="me").text == "Monitor: this PC"
    other_pc = leases.LeaseStatus("PC2", leases.WINDOW, "x", now, now + timedelta(seconds=30))
    assert monitor_text(other_pc, now, mine="me").text == "Monitor: office PC PC2, 0 s ago"
    never = leases.LeaseStatus("", "", "", None, None)
    assert monitor_text(never, now, out_count=0).text == "Monitor: none has ever run"
    assert monitor_text(never, now, out_count=3).loud


def test_booking_an_out_of_hours_visit_names_a_person_hvdesk_can_text(
    qtbot, services, office_actor, answers
):
    from PySide6.QtCore import Qt, QTime

    from hvdesk.services.booking import BookingService
    from tests.ui.test_booking_dialog import NOON, THU, at, booked_at, fill
    from ui.booking_dialog import BookingDeps, BookingDialog

    notes = NotificationService(services.db, services.clock)
    ann = notes.save_contact(office_actor, ContactInput("Ann Home", "Deputy", "07700 900555"))
    notes.save_contact(office_actor, ContactInput("Email Only", email="e@example.org"))
    deps = BookingDeps(
        BookingService(services.db, services.clock),
        services.households,
        services.staff,
        services.clock,
    )
    dialog = BookingDialog(deps, office_actor, start=NOON)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog, qtbot)
    dialog.start.setTime(QTime(18, 15))
    assert dialog.responsible_person.findText("Email Only", Qt.MatchFlag.MatchContains) < 0
    dialog.ooh_reason.setText("Mum works days")
    dialog.responsible_person.setCurrentIndex(dialog.responsible_person.findData(ann.id))
    assert not dialog.responsible.isEnabled()  # the person replaces the typed contact
    shot(dialog, "booking_responsible_person")
    answers["reply"][0] = True
    assert save_form(qtbot, dialog)
    visit = booked_at(services, at(THU, 18, 15))
    assert visit.responsible_contact_id == ann.id
    assert visit.responsible_contact == "Ann Home 07700 900555"


def test_a_window_sends_itself_when_no_monitor_runs_and_stops_with_the_window(
    qtbot, services, office_actor, answers, monkeypatch
):
    from ui.app import build_window

    monkeypatch.setenv("HVDESK_WINDOW_SENDER", "1")
    win = build_window(services, office_actor)
    qtbot.addWidget(win)
    win.show()
    sender = win.feature(NotifyFeature).sender
    qtbot.waitUntil(lambda: sender.monitor.lease.held, timeout=10000)
    win.feature(NotifyFeature).status.refresh()
    qtbot.waitUntil(
        lambda: win.feature(NotifyFeature).status.monitor_label.text() == "Monitor: this PC",
        timeout=5000,
    )
    win.close()
    assert not sender.thread.is_alive()  # nothing ticks after the window closes
    assert not leases.status(services.db).alive(services.clock.now())  # handed on at once


def test_the_status_bar_counts_visits_out_without_loading_them(qtbot, window, services):
    """An idle seat is quiet: the status bar's count is one COUNT, not every visit and household."""
    from tests.ui.test_live_feed import settle, statements

    settle(window, qtbot)
    out = services.visits.count_out_now()
    assert out == len(services.visits.out_now()) and out > 0
    with statements(services.db) as sql:
        window.feature(NotifyFeature).status.refresh()
        window.worker.wait()
        qtbot.waitUntil(lambda: not window.feature(NotifyFeature).status._busy, timeout=5000)
    visit_reads = [s for s in sql if "FROM visit" in s]
    assert visit_reads and all("count(" in s.lower() for s in visit_reads), visit_reads
    assert not [s for s in sql if "household" in s or "known_risk" in s]


def test_the_idle_lock_reads_the_cached_policy_not_the_database(qtbot, window, services):
    from tests.ui.test_live_feed import settle, statements

    settle(window, qtbot)
    window.live.policy()  # cached by the change feed
    with statements(services.db) as sql:
        window.feature(SessionLockFeature).lock.check_idle()
    assert not [s for s in sql if "FROM setting" in s]
