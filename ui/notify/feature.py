"""Install notifications into the main window: the Notifications screen (messages, escalation
contacts, channels), the monitor and channel-fault labels in the status bar, and this window's own
sender.

Every window runs the monitor loop as a 'window' (hvdesk.notify.monitor) on a plain Python thread,
without the deadline engine (the tracker already raises alarms on screen): when a headless monitor
holds the lease the window never sends; when none runs, one window takes the lease and sends, so a
school without a server still gets its texts while an office PC is on. HVDESK_WINDOW_SENDER=0 turns
the window's sender off (tests drive it by hand).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget

from hvdesk.notify import lease as leases
from hvdesk.notify.monitor import Monitor
from hvdesk.services.base import Actor
from hvdesk.services.changes import Change
from hvdesk.services.notifications import Health, NotificationService
from hvdesk.services.texts_in import InboundTextService
from ui.a11y import ValueLabel
from ui.notify.channels import ChannelsTab
from ui.notify.contacts import ContactsTab
from ui.notify.messages import MessagesTab
from ui.notify.status import LOUD_STYLE, fault_style, monitor_text
from ui.notify.texts_in import TextsInTab
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.main_window import Refreshes
    from ui.shell import Shell

STATUS_MS = 5_000


class NotificationsPanel(QWidget):
    def __init__(self, service: NotificationService, actor: Actor, worker: Worker) -> None:
        super().__init__()
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Notifications")
        self.messages = MessagesTab(service, worker)
        self.contacts = ContactsTab(service, actor, worker)
        self.channels = ChannelsTab(service, actor, worker)
        self.tabs.addTab(self.messages, "Messages")
        self.tabs.addTab(self.contacts, "Escalation contacts")
        self.tabs.addTab(self.channels, "Channels")
        self.texts_in = TextsInTab(InboundTextService(service.db, service.clock), worker)
        self.tabs.addTab(self.texts_in, "Texts in")
        # in tab order: the one on show is the one refreshed
        self.pages: list[Refreshes] = [self.messages, self.contacts, self.channels, self.texts_in]
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        QVBoxLayout(self).addWidget(self.tabs)

    def refresh(self) -> None:
        self.pages[self.tabs.currentIndex()].refresh()


class WindowSender:
    """This window's monitor loop on a background thread (never the GUI thread)."""

    def __init__(self, window: Shell) -> None:
        db, clock = window.services.db, window.services.clock
        self.monitor = Monitor(db, clock, kind=leases.WINDOW, raise_alarms=False)
        self.thread: threading.Thread | None = None

    @property
    def holder(self) -> str:
        return self.monitor.lease.holder

    def start(self) -> None:
        self.thread = threading.Thread(target=self.monitor.run, name="hvdesk-sender", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.monitor.stop()
        if self.thread is not None:
            self.thread.join(10)


class NotifyStatus:
    """The status bar's monitor and channel-fault labels, refreshed off the GUI thread."""

    def __init__(
        self, window: Shell, service: NotificationService, sender: WindowSender
    ) -> None:
        self.window, self.service, self.sender = window, service, sender
        # read as 'Field: what it shows' (ValueLabel), not only the field
        self.monitor_label = ValueLabel("Who monitors alarms outside the office", "Monitor: …")
        self.fault_label = ValueLabel("Message channel faults")
        self.fault_label.setStyleSheet(fault_style())
        self.fault_label.hide()
        bar = window.statusBar()
        for label in (self.fault_label, self.monitor_label):  # monitor first, then any fault
            label.setContentsMargins(6, 0, 12, 0)
            bar.insertPermanentWidget(0, label)  # kept whole, left of who is signed in
        self.worker = window.worker  # the window's one serialised worker
        self.timer = QTimer(window.dialog_parent())
        self.timer.setInterval(STATUS_MS)
        self.timer.timeout.connect(self.refresh)
        self._busy = False
        self._again = False

    def refresh(self) -> None:
        if self._busy:  # one read at a time; a request meanwhile is answered by one more read
            self._again = True
            return
        self._busy = True
        self._again = False
        visits = self.window.services.visits
        self.worker.submit(
            lambda: (self.service.health(), visits.count_out_now()), self.show, self._failed
        )

    def show(self, result: tuple[Health, int]) -> None:
        self._busy = False
        health, out = result
        text = monitor_text(health.lease, health.now, mine=self.sender.holder, out_count=out)
        self.monitor_label.setText(text.text)
        self.monitor_label.setToolTip(text.tooltip)
        self.monitor_label.setStyleSheet(LOUD_STYLE if text.loud else "")
        self.monitor_label.setMinimumWidth(self.monitor_label.sizeHint().width())  # never cut
        self.fault_label.setText("; ".join(health.faults))
        self.fault_label.setVisible(bool(health.faults))
        if self._again:
            self.refresh()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.monitor_label.setText("Monitor: unknown (database not answering)")
        self.monitor_label.setStyleSheet(LOUD_STYLE)

    def stop(self) -> None:
        self.timer.stop()
        self.worker.wait()


@dataclass(frozen=True)
class NotifyFeature:
    """The Notifications screen, the status bar's monitor labels and this window's sender
    (found by shell.feature)."""

    panel: NotificationsPanel
    status: NotifyStatus
    sender: WindowSender


def install(window: Shell) -> None:
    services = window.services
    service = NotificationService(services.db, services.clock)
    worker = window.worker
    panel = NotificationsPanel(service, window.actor, worker)
    window.add_panel("Notifications", panel, window.panel_position_after("Settings"))
    sender = WindowSender(window)
    status = NotifyStatus(window, service, sender)
    window.register(NotifyFeature(panel, status, sender))
    panel.contacts.changed.connect(window.data_changed)

    def on_change(change: Change) -> None:
        """Any seat's change but a tracker-only one (a check-in cannot move who is out or the
        monitor); the monitor's own heartbeat is read by the status timer."""
        if change.tracker_only:
            return
        status.refresh()
        if window.current_panel() is panel:
            panel.refresh()

    window.live.changed.connect(on_change)
    status.timer.start()
    status.refresh()
    if os.environ.get("HVDESK_WINDOW_SENDER", "1") != "0":
        sender.start()

    app = QApplication.instance()
    quit_hook = [app is not None]

    def stop() -> None:
        status.stop()
        sender.stop()
        worker.wait()
        if quit_hook and quit_hook.pop() and app is not None:
            app.aboutToQuit.disconnect(stop)  # the application outlives this window: let go of it

    if app is not None:
        app.aboutToQuit.connect(stop)
    window.closed.connect(stop)  # a close kept in the tray is filtered out before it gets here
