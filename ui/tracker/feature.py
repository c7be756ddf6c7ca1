"""Install the live tracker into the main window (issue 6).

Starts the tracker as the window is built (rebuilding every timer from the database and raising at
once whatever lapsed while hvdesk was not running), makes Today's 'Out now' live, adds the toolbar
actions (Departed, Check in, Returned, Duress! Ctrl+Shift+D), the visit actions (group 'tracking'),
Tools entries (drill, statistics), keeps the status bar honest, and guards closing while anyone is
out (keep running in the tray, or confirm that monitoring stops). Everything stops when the window
closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from hvdesk.clock import london
from hvdesk.models import Visit
from hvdesk.rules.actions import Action, Facts, verdict
from hvdesk.services.alarms import RESOLUTION_LABELS
from ui import dialogs
from ui.a11y import ValueLabel, ink
from ui.tracker import actions as tracker_actions
from ui.tracker import keys
from ui.tracker.alarm_window import AlarmWindow
from ui.tracker.controller import TrackerController
from ui.visit_actions import VisitAction

if TYPE_CHECKING:
    from ui.shell import Shell

DURESS_SHORTCUT = keys.key_of("duress")


class CloseGuard(QObject):
    """Monitoring must not silently stop: a person closing hvdesk while anyone is out is asked.

    A person closes the window with its close button (a spontaneous close event), File > Quit
    (Ctrl+Q, rerouted here) or the tray's Quit: each asks first. A close made by the program
    itself (after such a question, or a test tearing down) goes ahead, and everything stops.
    """

    def __init__(self, window: QWidget, controller: TrackerController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.quitting = False
        self.in_tray = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Show:
            # Alarm windows opened at start-up, before the main window: keep them above it
            # (without a window manager 'stay on top' alone does not).
            QTimer.singleShot(0, self.controller.raise_alarms)
        if obj is self.window and event.type() == QEvent.Type.Close:
            if event.spontaneous() and not self.quitting and not self._may_close():
                event.ignore()
                return True
            self.controller.stop()
        return False

    def user_close(self) -> bool:
        """File > Quit and the tray's Quit: ask as the close button does, then close."""
        if not self._may_close():
            return False
        self.quitting = True
        closed = self.window.close()
        self.quitting = closed and self.quitting
        return closed

    def _what(self) -> str:
        board = self.controller.board
        out = len(board.rows) if board is not None else 0
        alarms = sum(not w.detail.alarm.drill for w in self.controller.windows.values())
        parts = []
        if out:
            parts.append(f"{out} visit{'s are' if out != 1 else ' is'} out now")
        if alarms:
            parts.append(f"{alarms} alarm{'s are' if alarms != 1 else ' is'} open")
        return " and ".join(parts)

    def _may_close(self) -> bool:
        what = self._what()
        if not what or self.controller.stopped:
            return True
        if self.controller.tray.available and dialogs.confirm(
            self.window,
            "Keep monitoring?",
            f"{what}.\n\nKeep hvdesk running in the system tray, so alarms still sound and "
            "show? (No: you will be asked whether to stop monitoring.)",
        ):
            self.to_tray()
            return False
        return dialogs.confirm_risky(
            self.window,
            "Stop monitoring?",
            f"{what}. If hvdesk closes, nobody is alerted when a check-in or a return is "
            "missed.\n\nClose hvdesk and stop monitoring anyway?",
        )

    def to_tray(self) -> None:
        QApplication.setQuitOnLastWindowClosed(False)
        self.in_tray = True
        self.window.hide()
        self.controller.tray.message(
            "hvdesk is still monitoring",
            "Alarms will still sound and show. Use the tray icon to open hvdesk or to quit.",
            critical=False,
        )

    def open_window(self) -> None:
        self.in_tray = False
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def quit(self) -> None:
        """The tray's 'Quit (stop monitoring)'."""
        if self.in_tray:
            self.window.showNormal()
            self.in_tray = False
        if self.user_close():
            QApplication.quit()


@dataclass(frozen=True)
class TrackerFeature:
    """What the live tracker offers the rest of the window (found by window.feature)."""

    controller: TrackerController
    toolbar_actions: dict[str, QAction]  # Departed, Check in, Returned, Duress!
    close_guard: CloseGuard
    quit_action: QAction | None


def _update_status(window: Shell, controller: TrackerController) -> None:
    if controller.stopped:
        return
    on = controller.monitoring
    monitoring, counts = controller.monitoring_text(), controller.counts_text()
    style = (
        f"color: {ink('#1b5e20')}; font-weight: bold;"
        if on
        else ""  # starting: not a warning, for the second its first check takes
        if controller.starting
        else f"color: {ink('#b00020')}; font-weight: bold;"
    )
    # Every second: touch the widgets only when something changed (a restyle is not free).
    if window.monitoring_label.text() != monitoring:
        window.monitoring_label.setText(monitoring)
    if window.monitoring_label.styleSheet() != style:
        window.monitoring_label.setStyleSheet(style)
    if window.counts_label.text() != counts:
        window.counts_label.setText(counts)
        controller.tray.set_tooltip(f"hvdesk — {monitoring}, {counts}")


def _tracked(window: Shell, controller: TrackerController) -> list[Visit]:
    return [r.visit for r in controller.board.rows] if controller.board else []


def _departing(window: Shell) -> list[Visit]:
    now = window.services.clock.now()
    return [v for v in window.today.later_model.rows() if verdict(Action.DEPART, v, Facts(now))]


def _pick(
    window: QWidget,
    title: str,
    candidates: list[Visit],
    selected: Visit | None,
    nobody: str,
) -> Visit | None:
    """The selected visit when it fits; the only candidate; or ask which.

    A key acts on a family the person may not be looking at when the selection (or the only
    candidate) is used while another window is in front, or when nothing was selected: then the
    family is named and confirmed first, so a record never lands on the wrong visit silently.
    """
    ids = {v.id for v in candidates}
    if selected is not None and selected.id in ids:
        return selected if _obvious(window) or _confirmed(window, title, selected) else None
    if not candidates:
        dialogs.inform(window, title, nobody)
        return None
    if len(candidates) == 1:
        only = candidates[0]
        return only if _confirmed(window, title, only) else None
    return tracker_actions.choose_visit(window, title, candidates)


def _obvious(window: QWidget) -> bool:
    """The selection is in front of the person only when the main window is the active one."""
    active = QApplication.activeWindow()
    return active is None or active is window


def _confirmed(window: QWidget, title: str, visit: Visit) -> bool:
    return dialogs.confirm(
        window,
        f"{title}: {visit.household.name}?",
        f"Record '{title}' for the visit to {visit.household.name} ({visit.staff_names})?",
    )


def _alarm_in_front(controller: TrackerController) -> Visit | None:
    """The visit of the alarm window the person is working in: a record key pressed there is
    about that family, whatever is selected on Today behind it."""
    active = QApplication.activeWindow()
    if not isinstance(active, AlarmWindow) or active.visit_id is None:
        return None  # an alarm about a person with no one visit: ask which visit, as Today does
    row = controller.board.row(active.visit_id) if controller.board is not None else None
    return row.visit if row is not None else active.detail.visit


def _selected_out(window: Shell) -> Visit | None:
    return window.selected_visit()


RecordSpec = tuple[str, bool, str, Callable[[], None]]


def _on_out(
    window: Shell, controller: TrackerController, title: str, run: Callable[[Visit], object]
) -> Callable[[], None]:
    """A record for a visit out: the one whose alarm window is in front, else the one picked."""

    def go() -> None:
        in_alarm = _alarm_in_front(controller)
        if in_alarm is not None:
            run(in_alarm)
            return
        visit = _pick(
            window.dialog_parent(),
            title,
            _tracked(window, controller),
            _selected_out(window),
            "Nobody is out on a visit now.",
        )
        if visit is not None:
            run(visit)

    return go


def _depart(window: Shell, controller: TrackerController) -> Callable[[], None]:
    """'Departed' picks among the approved visits still waiting to leave, not those out."""
    acts = controller.actions

    parent = window.dialog_parent()

    def depart() -> None:
        in_alarm = _alarm_in_front(controller)
        if in_alarm is not None:  # refused plainly: it has left already
            acts.depart(in_alarm.id, parent)
            return
        selected = window.selected_visit()
        visit = _pick(
            parent,
            "Departed",
            _departing(window),
            selected,
            "No approved visit is waiting to leave today. A visit cannot depart unapproved.",
        )
        if visit is not None:
            acts.depart(visit.id, parent)

    return depart


def _record_specs(window: Shell, controller: TrackerController) -> list[RecordSpec]:
    """Every record the office can make for a visit, in menu order."""
    acts = controller.actions

    def on_out(title: str, run: Callable[[Visit], object]) -> Callable[[], None]:
        return _on_out(window, controller, title, run)

    def open_alarm(visit: Visit) -> None:
        controller.show_visit_alarms(visit.id)

    depart = _depart(window, controller)
    parent = window.dialog_parent()
    # (record, on the toolbar too, what it records, what it does); keys in ui/tracker/keys.py
    return [
        ("depart", True, "Record that the staff on a visit have left school", depart),
        (
            "arrive",
            False,
            "Record that the staff have arrived at the address",
            on_out("Arrived", lambda v: acts.arrive(v.id, parent)),
        ),
        (
            "check_in",
            True,
            "Record a check-in call: all is well",
            on_out("Check in", lambda v: acts.check_in(v.id, parent)),
        ),
        (
            "call_ok",
            False,
            "The office rang the staff and they answered",
            on_out("Office call", lambda v: acts.office_call(v.id, True, parent)),
        ),
        (
            "call_none",
            False,
            "The office rang the staff and nobody answered",
            on_out("Office call", lambda v: acts.office_call(v.id, False, parent)),
        ),
        (
            "left",
            False,
            "Record that the staff have left the property",
            on_out("Left the property", lambda v: acts.left_property(v.id, parent)),
        ),
        (
            "returned",
            True,
            "Record that the staff are back at school",
            on_out("Returned", lambda v: acts.returned(v.id, parent)),
        ),
        (
            "late",
            False,
            "The staff are running late: give a new expected return",
            on_out("Running late", lambda v: acts.running_late(v, parent)),
        ),
        (
            "absent",
            False,
            "Parents are not at home: start the wait the policy sets",
            on_out("Parent not present", lambda v: acts.parent_not_present(v, parent)),
        ),
        (
            "duress",
            True,
            "Staff said the code word or need help: top alarm, straight to the police step",
            on_out("Duress", lambda v: acts.duress(v.id, parent)),
        ),
        (
            "alarm",
            False,
            "Bring the visit's alarm window to the front",
            on_out("Open alarm", open_alarm),
        ),
    ]


def _toolbar(window: Shell, controller: TrackerController) -> dict[str, QAction]:
    """The records as actions: on the Visit menu, the main ones on the toolbar, keys everywhere."""
    specs = _record_specs(window, controller)
    made: dict[str, QAction] = {}
    parent = window.dialog_parent()
    visit_menu = window.menu("visit")
    visit_menu.addSection("Record for the visit selected on Today")
    for record, on_toolbar, tip, run in specs:
        shortcut, text = keys.RECORD_KEYS[record]
        action = QAction(text, parent)
        action.setShortcut(QKeySequence(shortcut))
        # works from any hvdesk window, an alarm window included
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setToolTip(keys.with_key(tip, record))
        action.setStatusTip(keys.with_key(tip, record))
        action.triggered.connect(lambda _c=False, r=run: r())
        if on_toolbar:
            window.add_toolbar_action(action)
        visit_menu.addAction(action)
        made[text] = action
    widget = window.toolbar.widgetForAction(made["Duress!"])
    if widget is not None:
        widget.setAccessibleName("Duress: raise the top alarm")
        widget.setStyleSheet(f"color: {ink('#b00020')}; font-weight: bold;")
    return made


def _visit_actions(window: Shell, controller: TrackerController) -> None:
    acts = controller.actions

    def rule(action: Action) -> Callable[[Visit], bool]:
        """Offered exactly when the one rule allows it (the service checks the same rule)."""

        def applies(v: Visit) -> bool:
            row = controller.board.row(v.id) if controller.board is not None else None
            wait = row.state.parent_wait_until if row is not None else None
            now = controller.clock.now()
            return verdict(action, v, Facts(now, parent_wait_until=wait)).allowed and (
                action not in acts.pending_for(v.id)  # being saved: not offered twice
            )

        return applies

    entries: list[tuple[str, Callable[[Visit, QWidget], object], Callable[[Visit], bool]]] = [
        ("Departed", lambda v, p: acts.depart(v.id, p), rule(Action.DEPART)),
        ("Arrived", lambda v, p: acts.arrive(v.id, p), rule(Action.ARRIVE)),
        ("Check in OK", lambda v, p: acts.check_in(v.id, p), rule(Action.CHECK_IN)),
        (
            "Office call: answered",
            lambda v, p: acts.office_call(v.id, True, p),
            rule(Action.OFFICE_CALL),
        ),
        (
            "Office call: no answer",
            lambda v, p: acts.office_call(v.id, False, p),
            rule(Action.OFFICE_CALL),
        ),
        ("Left the property", lambda v, p: acts.left_property(v.id, p), rule(Action.LEFT_PROPERTY)),
        ("Returned to school", lambda v, p: acts.returned(v.id, p), rule(Action.RETURNED)),
        ("Running late…", lambda v, p: acts.running_late(v, p), rule(Action.RUNNING_LATE)),
        (
            "Parent not present…",
            lambda v, p: acts.parent_not_present(v, p),
            rule(Action.PARENT_NOT_PRESENT),
        ),
        ("Duress!", lambda v, p: acts.duress(v.id, p), rule(Action.DURESS)),
        (
            "Open alarm",
            lambda v, p: controller.show_visit_alarms(v.id),
            lambda v: controller.window_for_visit(v.id) is not None,
        ),
        (
            "Practice alarm (DRILL)…",
            lambda v, p: acts.drill(v, p),
            lambda v: acts.can_handle and rule(Action.DRILL)(v),
        ),
    ]
    for label, run, applies in entries:
        window.visit_actions.register(VisitAction(label, run, applies, group="tracking"))


def _tools(window: Shell, controller: TrackerController) -> None:
    acts = controller.actions
    parent = window.dialog_parent()

    def drill() -> None:
        candidates = _tracked(window, controller)
        if not candidates:
            day = london(controller.clock.now()).date()
            candidates = [
                v
                for v in window.services.visits.on_day(day)
                if verdict(Action.DRILL, v, Facts(controller.clock.now()))
            ]
        visit = _pick(
            parent, "Practice alarm (DRILL)", candidates, _selected_out(window), "No visit today."
        )
        if visit is not None:
            acts.drill(visit, parent)

    def stats() -> None:
        figures = controller.alarm_service.stats()
        lines = [f"Alarms in the last 12 months (drills left out): {figures.total}"]
        for key, count in sorted(figures.by_resolution.items()):
            lines.append(f"  {RESOLUTION_LABELS.get(key, key)}: {count}")
        if figures.open:
            lines.append(f"  Still open: {figures.open}")
        if figures.median_to_acknowledge_s is not None:
            lines.append(
                f"Median time to take ownership: {figures.median_to_acknowledge_s / 60:.1f} min"
            )
        if figures.median_to_resolve_s is not None:
            lines.append(f"Median time to resolve: {figures.median_to_resolve_s / 60:.1f} min")
        lines.append(f"Drills run (not counted above): {figures.drills}")
        dialogs.inform(parent, "Alarm statistics", "\n".join(lines))

    for text, run in (
        ("Practice alarm (&drill)…", drill),
        ("&Alarm statistics…", stats),
        ("Check &deadlines now", lambda: controller.check_later("menu")),
    ):
        action = QAction(text, parent)
        action.triggered.connect(lambda _c=False, r=run: r())
        window.menu("tools").addAction(action)


def _show_saving(window: Shell, controller: TrackerController) -> None:
    """'Saving check-in for Clarke…' in the status bar while a press is written, from any screen;
    the departure's household named from Later today (it is not on the board yet)."""
    acts = controller.actions

    def name_of(visit_id: int) -> str:
        later = next((v for v in window.today.later_model.rows() if v.id == visit_id), None)
        return later.household.name if later is not None else controller.visit_name(visit_id)

    acts.name_of = name_of
    label = ValueLabel("Saving")
    label.setObjectName("saving_status")
    label.hide()
    window.statusBar().addPermanentWidget(label)

    def show() -> None:
        label.setText(acts.saving_text)
        label.setVisible(bool(acts.saving_text))

    acts.pending_changed.connect(show)


def _saving_before_closing(window: Shell, count: int) -> None:
    """The window closes while presses are still being written: say so while they finish."""
    records = "record" if count == 1 else "records"
    window.statusBar().showMessage(f"Saving {count} {records} before closing…")


def install(window: Shell) -> None:
    # The seat's own writes on the window's write worker (ui/tracker/saving.py), shared with the
    # forms' saves: closing the window finishes what was pressed and the tests can wait for it.
    parent = window.dialog_parent()
    controller = TrackerController(
        window.services, window.actor, live=window.live, writer=window.writer
    )
    window.today.attach(controller)
    _show_saving(window, controller)

    # One path: a press records on the write worker, the feed reads what changed on its worker and
    # announces it once, the tracker reloads off the GUI thread what it touched.
    window.live.changed.connect(controller.on_change)
    window.live.health_changed.connect(controller.on_health)

    def status() -> None:
        _update_status(window, controller)

    controller.ticked.connect(lambda _now: status())
    window.live_counts = True
    status()

    toolbar_actions = _toolbar(window, controller)
    _visit_actions(window, controller)
    _tools(window, controller)

    guard = CloseGuard(parent, controller)
    parent.installEventFilter(guard)
    quit_action: QAction | None = None
    for action in window.menu("file").actions():
        if action.text().replace("&", "") == "Quit":
            action.triggered.disconnect()
            action.triggered.connect(lambda _c=False: guard.user_close())
            if action.shortcut().isEmpty():  # no platform binding (e.g. some Linux desktops)
                action.setShortcut(QKeySequence("Ctrl+Q"))
            quit_action = action
    controller.tray.open_requested.connect(guard.open_window)
    controller.tray.quit_requested.connect(guard.quit)
    parent.destroyed.connect(controller.stop)
    controller.closing.connect(lambda n: _saving_before_closing(window, n))
    window.register(TrackerFeature(controller, toolbar_actions, guard, quit_action))

    # built while the password is checked; the timers and the first check once it is right
    def start(on_worker: bool) -> None:
        controller.start(later=on_worker)

    window.on_start(start)
