"""Installs the calendar and booking (issue 4) into the main window.

Adds the Calendar screen right after Today, 'New visit' (Ctrl+N) on the toolbar and Visit menu,
'Export calendar (.ics)…', and the visit actions Edit…, Cancel visit…, Send for approval that every
list of visits offers.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence

from ui.a11y import tell_in_status_bar
from ui.calendar.controller import BookingController, can_cancel, can_edit, can_submit
from ui.panels.calendar import CalendarPanel
from ui.shell import Shell
from ui.visit_actions import VisitAction


@dataclass(frozen=True)
class CalendarFeature:
    """What the calendar feature offers the rest of the window (found by shell.feature)."""

    controller: BookingController
    panel: CalendarPanel
    new_visit_action: QAction
    export_action: QAction


def install(window: Shell) -> None:
    parent = window.dialog_parent()
    controller = BookingController(
        window.services, window.actor, parent, worker=window.worker, writer=window.writer
    )
    panel = CalendarPanel(window.services, controller)
    window.add_panel("Calendar", panel, position=1)
    panel.context_menu_for = lambda visit: window.visit_actions.menu(visit, parent)
    controller.changed.connect(window.data_changed)
    panel.read_failed.connect(window.live.read_failed)
    # booked from Today or Visits too: the result is shown where it is seen, and said
    controller.message.connect(lambda text: tell_in_status_bar(parent, text))

    visit_menu = window.menu("visit")
    new_visit = QAction("New visit", parent)
    new_visit.setShortcut(QKeySequence("Ctrl+N"))
    new_visit.setToolTip("Book a home visit (Ctrl+N)")
    new_visit.triggered.connect(lambda: controller.new_visit(parent))
    window.add_toolbar_action(new_visit)
    visit_menu.addAction(new_visit)
    export = QAction("Export calendar (.ics)…", parent)
    export.triggered.connect(lambda: controller.export(parent))
    visit_menu.addAction(export)
    calendar = QAction("Show calendar", parent)
    calendar.triggered.connect(lambda: window.show_panel("Calendar"))
    visit_menu.addAction(calendar)
    window.register(CalendarFeature(controller, panel, new_visit, export))

    register = window.visit_actions.register
    register(VisitAction("Edit…", lambda v, p: controller.edit_visit(p, v.id), can_edit, "booking"))
    register(
        VisitAction(
            "Cancel visit…", lambda v, p: controller.cancel_visit(p, v.id), can_cancel, "booking"
        )
    )
    register(
        VisitAction(
            "Send for approval",
            lambda v, p: controller.send_for_approval(p, v.id),
            can_submit,
            "booking",
        )
    )
