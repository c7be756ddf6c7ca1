"""Installs the calendar and booking (issue 4) into the main window.

Adds the Calendar screen right after Today, 'New visit' (Ctrl+N) on the toolbar and Visit menu,
'Export calendar (.ics)…', and the visit actions Edit…, Cancel visit…, Send for approval that every
list of visits offers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from ui.calendar.controller import BookingController, can_cancel, can_edit, can_submit
from ui.panels.calendar import CalendarPanel
from ui.visit_actions import VisitAction

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    controller = BookingController(
        window.services, window.actor, window, worker=getattr(window, "worker", None)
    )
    panel = CalendarPanel(window.services, controller)
    window.add_panel("Calendar", panel, position=1)
    rebuild = getattr(window, "_rebuild_view_menu", None)
    if callable(rebuild):  # keep View > Alt+n in step with the navigation
        rebuild()
    panel.context_menu_for = lambda visit: window.visit_actions.menu(visit, window)
    controller.changed.connect(window.data_changed)
    window.booking_controller = controller  # type: ignore[attr-defined]
    window.calendar = panel  # type: ignore[attr-defined]

    new_visit = QAction("New visit", window)
    new_visit.setShortcut(QKeySequence("Ctrl+N"))
    new_visit.setToolTip("Book a home visit (Ctrl+N)")
    new_visit.triggered.connect(lambda: controller.new_visit(window))
    window.add_toolbar_action(new_visit)
    window.visit_menu.addAction(new_visit)
    export = QAction("Export calendar (.ics)…", window)
    export.triggered.connect(lambda: controller.export(window))
    window.visit_menu.addAction(export)
    calendar = QAction("Show calendar", window)
    calendar.triggered.connect(lambda: window.show_panel("Calendar"))
    window.visit_menu.addAction(calendar)
    window.new_visit_action = new_visit  # type: ignore[attr-defined]
    window.export_calendar_action = export  # type: ignore[attr-defined]

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
