"""Calendar screen: day, week, month and staff-lane views of the schedule (UI.md 'Calendar').

Only the visible range is loaded (one flat query), then laid out by ui.calendar.model. Keyboard:
Ctrl+1/2/3/4 day, week, month, staff lanes; Left/Right previous/next; T today; in the calendar
itself Up/Down select a visit (Left/Right: the nearest in the day either side), Enter edits it, Menu
shows its actions; the list of visits shown beside it, next in the Tab order, does the same one
item per visit for a screen reader. Double-click an empty slot to book; drag a visit to move it
(in staff lanes, across lanes to hand it to someone else).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import london
from hvdesk.models import PURPOSE_LABELS, Visit, VisitStatus
from hvdesk.rules.booking import EDITABLE, NOT_HOLDING, wall_time
from ui.a11y import ValueLabel, field_label, ink, splitter_in_reading_order
from ui.calendar.agenda import AgendaList
from ui.calendar.controller import BookingController
from ui.calendar.model import (
    MODE_LABELS,
    CalendarView,
    Mode,
    StaffRef,
    build_view,
    step,
    visible_range,
)
from ui.calendar.style import LEGEND_ORDER, style_for
from ui.calendar.views import TOP_PAD, Drop, GridHeader, MonthView, TimeGridView, entry_text
from ui.screen_reads import LatestRead
from ui.services import AppServices

TICK_MS = 60_000  # the 'now' line and overdue badges move on while the calendar is on screen
SHORTCUTS = {Mode.DAY: "Ctrl+1", Mode.WEEK: "Ctrl+2", Mode.MONTH: "Ctrl+3", Mode.LANES: "Ctrl+4"}


@dataclass(frozen=True)
class _Query:
    """What a load of the calendar asks for: the range on show and the filters."""

    mode: Mode
    anchor: date
    staff_id: int | None
    purpose: str | None
    cancelled: bool  # cancelled and rejected visits shown too


@dataclass(frozen=True)
class _Loaded:
    """What a load read and laid out (on the window's reader): everyone, and the visible range
    as the view shows it, so the GUI thread only hands it over (a booking's save lands here)."""

    query: _Query
    staff: list[StaffRef]
    view: CalendarView
    now: datetime


class CalendarPanel(QWidget):
    message: QLabel  # built in _build, wired in __init__
    staff_filter: QComboBox
    read_failed = Signal(str)  # a load the database did not answer (the window says since when)

    def __init__(
        self, services: AppServices, controller: BookingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services, self.controller = services, controller
        self.mode = Mode.WEEK
        self.anchor: date = london(services.clock.now()).date()
        self.view: CalendarView | None = None
        self.context_menu_for: Callable[[Visit], QMenu] | None = None
        self._menu: QMenu | None = None
        self._shown: tuple[Mode, date] | None = None
        # every read on the window's reader: the newest wins, the last week stays meanwhile
        self.reads = LatestRead(self, controller.worker, "the calendar")
        self.reads.failed.connect(self._not_answered)
        self._focus_view = False  # a mode chosen: its view takes the focus once shown
        self._select_after = 0  # a visit to select once the load under way is shown
        self._build()
        self._shortcuts()
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.refresh(quiet=True))  # no "Loading…" each minute
        controller.message.connect(self.message.setText)
        controller.booked.connect(self.show_visit)
        # read when first shown: MainWindow refreshes a screen as it is shown, not at start-up

    # --- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        """Top to bottom: moving about and the views, the filters and key, the week or month,
        and the selected visit with its actions."""
        top = self._top_row()
        filters = self._filter_row()
        self._views()
        bottom = self._selection_row()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.reads.line)
        layout.addWidget(self.views_splitter, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.message)

    def _top_row(self) -> QHBoxLayout:
        """Previous / Today / Next, what is shown, Day / Week / Month, New visit and Export."""
        self.prev_button = QPushButton("◀ Previous")
        self.today_button = QPushButton("Today")
        self.next_button = QPushButton("Next ▶")
        for nav_button, name, key in (
            (self.prev_button, "Previous", "Left"),
            (self.today_button, "Today", "T"),
            (self.next_button, "Next", "Right"),
        ):
            nav_button.setAccessibleName(name)
            nav_button.setToolTip(f"{name} ({key})")
        self.prev_button.clicked.connect(lambda: self.go(-1))
        self.next_button.clicked.connect(lambda: self.go(1))
        self.today_button.clicked.connect(self.go_today)
        self.title = ValueLabel("Showing")
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold; padding: 0 8px;")
        self.title.setMinimumWidth(80)
        self.title.setWordWrap(True)  # at 125% or on a narrow window: two lines, never cut off
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[Mode, QToolButton] = {}
        for mode in Mode:
            button = QToolButton()
            button.setText(MODE_LABELS[mode])
            button.setCheckable(True)
            button.setAccessibleName(f"{MODE_LABELS[mode]} view")
            button.setToolTip(f"{MODE_LABELS[mode]} view ({SHORTCUTS[mode]})")
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
        self.new_button = QPushButton("New visit…")
        self.new_button.setAccessibleName("New visit")
        self.new_button.setToolTip("Book a visit (Ctrl+N), or double-click an empty slot")
        self.new_button.clicked.connect(lambda: self.controller.new_visit(self))
        self.export_button = QPushButton("Export .ics…")
        self.export_button.setAccessibleName("Export calendar (.ics)")
        self.export_button.clicked.connect(
            lambda: self.controller.export(self, self.staff_filter.currentData())
        )
        top = QHBoxLayout()
        for w in (self.prev_button, self.today_button, self.next_button):
            top.addWidget(w)
        top.addWidget(self.title, 1)
        for button in self.mode_buttons.values():
            top.addWidget(button)
        top.addSpacing(12)
        top.addWidget(self.new_button)
        top.addWidget(self.export_button)

        return top

    def _filter_row(self) -> QHBoxLayout:
        """Whose visits and which purposes, cancelled shown or not, and the key to the badges."""
        self.staff_filter = QComboBox()
        self.staff_filter.setAccessibleName("Staff filter")
        self.purpose_filter = QComboBox()
        self.purpose_filter.setAccessibleName("Purpose filter")
        self.purpose_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.purpose_filter.setMinimumContentsLength(22)
        self.purpose_filter.addItem("All purposes", None)
        for purpose, text in PURPOSE_LABELS.items():
            self.purpose_filter.addItem(text, purpose.value)
        self.show_cancelled = QCheckBox("Show cancelled")
        self.show_cancelled.setAccessibleName("Show cancelled and rejected visits")
        self.show_cancelled.setChecked(True)
        self.staff_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.purpose_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.show_cancelled.toggled.connect(lambda _c: self.refresh())
        badges = (style_for(s).badge.replace(" ", "\u00a0") for s in LEGEND_ORDER)
        self.legend = ValueLabel("Key to the status badges", "Key:  " + "   ".join(badges))
        self.legend.setToolTip(
            "Outlines: dashed = awaiting approval, dotted = draft, heavy = overdue or out; "
            "hatched and struck through = cancelled or rejected. Pale ends = travel time."
        )
        self.legend.setAccessibleDescription(self.legend.toolTip())
        self.legend.setStyleSheet(f"color: {ink('#3c4043')};")
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        filters = QHBoxLayout()
        filters.addWidget(field_label("Staff:", self.staff_filter))
        filters.addWidget(self.staff_filter)
        filters.addWidget(field_label("Purpose:", self.purpose_filter))
        filters.addWidget(self.purpose_filter)
        filters.addWidget(self.show_cancelled)
        filters.addSpacing(12)
        filters.addWidget(self.legend, 1)

        return filters

    def _views(self) -> None:
        """The day and week time grid (under its day header) and the month, one shown at a time."""
        self.grid = TimeGridView()
        self.grid.setAccessibleName("Calendar")
        self.grid_scroll = QScrollArea()
        self.grid_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the grid inside takes Tab
        self.grid_scroll.setWidgetResizable(True)
        self.grid_scroll.setWidget(self.grid)
        self.grid_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.grid_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.header = GridHeader(self.grid)
        self.header.setAccessibleName("Days")
        self.header.day_activated.connect(self.open_day)
        grid_page = QWidget()
        grid_layout = QVBoxLayout(grid_page)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.setSpacing(0)
        grid_layout.addWidget(self.header)
        grid_layout.addWidget(self.grid_scroll, 1)
        self.grid_page = grid_page
        self.month = MonthView()
        self.month.setAccessibleName("Month calendar")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid_page)
        self.stack.addWidget(self.month)
        for view in (self.grid, self.month):
            view.selected.connect(self._selected)
            view.activated.connect(self._activated)
            view.move_requested.connect(self._move)
            view.context_requested.connect(self._context)
        self.grid.book_requested.connect(self._book_at)
        self.month.day_activated.connect(self.open_day)
        self._agenda()

    def _agenda(self) -> None:
        """The visits on screen as a list beside the views, next in the Tab order: a screen
        reader reads each visit there (the painted views are one object to it)."""
        self.agenda = AgendaList()
        self.agenda.selected.connect(lambda visit_id: self.current_view().select(visit_id))
        self.agenda.activated_visit.connect(self._activated)
        self.agenda.context_requested.connect(self._context)
        heading = QLabel("&Visits shown:")
        heading.setBuddy(self.agenda)
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(4, 0, 0, 0)
        pane_layout.addWidget(heading)
        pane_layout.addWidget(self.agenda, 1)
        self.views_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.views_splitter.addWidget(self.stack)
        self.views_splitter.addWidget(pane)
        self.views_splitter.setStretchFactor(0, 1)
        self.views_splitter.setCollapsible(0, False)
        self.views_splitter.setSizes([960, 220])
        splitter_in_reading_order(self.views_splitter)

    def _selection_row(self) -> QHBoxLayout:
        """The selected visit in words and what can be done with it; messages go below."""
        self.details = ValueLabel(
            "Selected visit", "Select a visit (click it, or Up/Down in the calendar)."
        )
        self.details.setWordWrap(True)
        self.edit_button = QPushButton("Edit…")
        self.cancel_button = QPushButton("Cancel visit…")
        self.submit_button = QPushButton("Send for approval")
        self.more_button = QPushButton("More actions…")
        for action_button in (
            self.edit_button,
            self.cancel_button,
            self.submit_button,
            self.more_button,
        ):
            action_button.setAccessibleName(action_button.text().rstrip("…"))
            action_button.setEnabled(False)
        self.edit_button.clicked.connect(lambda: self._activated(self.selected_id()))
        self.cancel_button.clicked.connect(
            lambda: self.controller.cancel_visit(self, self.selected_id())
        )
        self.submit_button.clicked.connect(
            lambda: self.controller.send_for_approval(self, self.selected_id())
        )
        self.more_button.clicked.connect(
            lambda: self._context(
                self.selected_id(),
                self.more_button.mapToGlobal(QPoint(0, self.more_button.height())),
            )
        )
        self.message = ValueLabel("Calendar messages")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ink('#0b3d91')};")
        bottom = QHBoxLayout()
        bottom.addWidget(self.details, 1)
        for action_button in (
            self.edit_button,
            self.cancel_button,
            self.submit_button,
            self.more_button,
        ):
            bottom.addWidget(action_button)

        return bottom

    def _shortcuts(self) -> None:
        """Window-wide while the calendar is on screen (Qt ignores them when it is hidden)."""
        self.shortcuts: list[QShortcut] = []

        def add(key: str | QKeySequence, slot: Callable[[], object]) -> None:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

        for mode, key in SHORTCUTS.items():
            add(key, partial(self.set_mode, mode))
        add(QKeySequence(Qt.Key.Key_Left), lambda: self.go(-1))
        add(QKeySequence(Qt.Key.Key_Right), lambda: self.go(1))
        add(QKeySequence(Qt.Key.Key_PageUp), lambda: self.go(-1))
        add(QKeySequence(Qt.Key.Key_PageDown), lambda: self.go(1))
        add(QKeySequence(Qt.Key.Key_T), self.go_today)

    # --- navigation ----------------------------------------------------------------------------
    # The person's choice is kept at once (a second press steps on from it); what is on show
    # changes when the read of it comes back ('Loading…' meanwhile, the last week still shown).
    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self._focus_view = True
        self.refresh()

    def go(self, steps: int) -> None:
        self.anchor = step(self.mode, self.anchor, steps)
        self.refresh()

    def go_today(self) -> None:
        self.anchor = london(self.services.clock.now()).date()
        self.refresh()

    def open_day(self, day: date) -> None:
        self.anchor = day
        self.set_mode(Mode.DAY)

    def show_visit(self, visit_id: int) -> None:
        """Bring a visit on screen and select it (after booking, or from elsewhere): read on
        the window's reader, so a save's result never waits on the database. (Not one of the
        newest-wins reads: the reload the save itself causes must not drop it.)"""
        self.reads.worker.submit(
            lambda: self.services.visits.get(visit_id),
            lambda visit: self._show_visit_at(visit_id, visit),
            self.read_failed.emit,
        )

    def _show_visit_at(self, visit_id: int, visit: Visit) -> None:
        """On its day, selected: now when the calendar is on screen, else when it is shown
        (a hidden screen refreshes when shown: a booking made from Today lays out no week)."""
        self.anchor = london(visit.start).date()
        self._select_after = visit_id
        if self.isVisibleTo(self.window()):  # the screen on show (in a window not yet shown too)
            self.refresh()

    def current_view(self) -> TimeGridView | MonthView:
        return self.month if self.mode is Mode.MONTH else self.grid

    # --- data ----------------------------------------------------------------------------------
    def _fill_staff_filter(self, refs: list[StaffRef]) -> None:
        chosen = self.staff_filter.currentData()
        self.staff_filter.blockSignals(True)
        self.staff_filter.clear()
        self.staff_filter.addItem("All staff", None)
        for ref in refs:
            if ref.active or ref.id == chosen:
                self.staff_filter.addItem(ref.name + ("" if ref.active else " (left)"), ref.id)
        self.staff_filter.setCurrentIndex(max(0, self.staff_filter.findData(chosen)))
        self.staff_filter.blockSignals(False)

    def _query(self) -> _Query:
        return _Query(
            self.mode,
            self.anchor,
            self.staff_filter.currentData(),
            self.purpose_filter.currentData(),
            self.show_cancelled.isChecked(),
        )

    def _read(self, query: _Query) -> _Loaded:
        """The visible range only (one flat query), everyone and the policy, laid out as the
        view shows them: any thread (no widget is touched)."""
        start, end = visible_range(query.mode, query.anchor)
        items = self.services.visits.calendar_items(
            start, end, staff_id=query.staff_id, purposes=[query.purpose] if query.purpose else None
        )
        people = self.services.staff.list(include_inactive=True)
        staff = [StaffRef(p.id, p.name, p.active) for p in people]
        if not query.cancelled:
            items = [i for i in items if i.status not in NOT_HOLDING]
        now = self.services.clock.now()
        lanes = [s for s in staff if s.id == query.staff_id] if query.staff_id is not None else staff
        view = build_view(
            query.mode,
            query.anchor,
            items,
            now=now,
            policy=self.services.settings.policy(),
            staff=lanes,
            today=london(now).date(),
        )
        return _Loaded(query, staff, view, now)

    @property
    def loading(self) -> bool:
        """A read is out (tests wait for none)."""
        return self.reads.loading

    def refresh(self, *, quiet: bool = False) -> None:
        """Read what is asked for on the window's reader (another week, mode or filter, after any
        change, each minute, when shown): the GUI thread only lays out what was read, and an
        older read landing after a newer one is dropped. `quiet`: no "Loading…" (the minute's)."""
        query = self._query()
        self.reads.read(lambda: self._read(query), self._show, quiet=quiet)

    def _not_answered(self, message: str) -> None:
        """The mode chosen was not read: a later refresh (the minute's) does not take the focus."""
        self._focus_view = False
        self.read_failed.emit(message)

    def _show(self, loaded: _Loaded) -> None:
        """Lay out what was read and hand it to the view on screen."""
        self._fill_staff_filter(loaded.staff)
        query, now = loaded.query, loaded.now
        self.mode, self.anchor = query.mode, query.anchor
        self.view = loaded.view
        self.title.setText(self.view.title)
        self.mode_buttons[self.mode].setChecked(True)
        self.stack.setCurrentWidget(self.month if self.mode is Mode.MONTH else self.grid_page)
        self.current_view().set_view(self.view, now)
        if self._focus_view:
            self._focus_view = False
            self.current_view().setFocus()
        if self._select_after:
            self.current_view().select(self._select_after)
            self._select_after = 0
        self.agenda.set_view(self.view, self.current_view().selected_id)
        self._selected(self.current_view().selected_id)
        shown = (self.mode, self.anchor)
        if shown != self._shown:
            self._shown = shown
            self._scroll_to_day()

    def _scroll_to_day(self) -> None:
        """Open on the working day (or the first visit before it), not on 06:00."""
        if self.view is None or self.mode is Mode.MONTH:
            return
        tops = [e.top for c in self.view.columns for e in c.entries]
        first = min([self.view.school_start - 30, *[t for t in tops if t >= 7 * 60]])
        bar = self.grid_scroll.verticalScrollBar()
        bar.setValue(max(0, int(self.grid.y_of(first)) - TOP_PAD))

    def selected_id(self) -> int:
        return self.current_view().selected_id

    # --- reactions -----------------------------------------------------------------------------
    def _selected(self, visit_id: int) -> None:
        self.agenda.select(visit_id)
        rect = self.grid.rect_of(visit_id) if self.mode is not Mode.MONTH and visit_id else None
        if rect is not None:
            self.grid_scroll.ensureVisible(rect.center().x(), rect.center().y(), 0, rect.height())
        entry = self.view.entry(visit_id) if self.view and visit_id else None
        if entry is None:
            count = len(self.view.entries) if self.view else 0
            self.details.setText(
                f"{count} visit{'s' * (count != 1)} shown. Select one (click it, or Up/Down in "
                "the calendar); double-click an empty slot to book."
            )
            for button in (self.edit_button, self.cancel_button, self.submit_button):
                button.setEnabled(False)
            self.more_button.setEnabled(False)
            return
        self.details.setText(entry_text(entry))
        status = entry.item.status
        self.edit_button.setEnabled(status in EDITABLE)
        self.cancel_button.setEnabled(status not in NOT_HOLDING and status not in _FINISHED)
        self.submit_button.setEnabled(status == VisitStatus.DRAFT.value)
        self.more_button.setEnabled(self.context_menu_for is not None)

    def _activated(self, visit_id: int) -> None:
        if not visit_id:
            return
        entry = self.view.entry(visit_id) if self.view else None
        if entry is not None and entry.item.status not in EDITABLE:
            self.message.setText(f"{entry_text(entry)}. It can no longer be edited here.")
            return
        self.controller.edit_visit(self, visit_id)

    def _book_at(self, day: date, minutes: int, staff_id: int | None) -> None:
        start: datetime = wall_time(day, minutes)
        self.controller.new_visit(self, start=start, lead_staff_id=staff_id)

    def _move(self, drop: Drop) -> None:
        entry = self.view.entry(drop.visit_id) if self.view else None
        if entry is None:
            return
        self.controller.move(self, entry.item, drop)

    def _context(self, visit_id: int, where: QPoint) -> None:
        """The visit's menu, once its latest state is read on the reader."""
        if not visit_id or self.context_menu_for is None:
            return
        self.reads.worker.submit(
            lambda: self.services.visits.get(visit_id),
            lambda visit: self._popup(visit, where),
            self.read_failed.emit,
        )

    def _popup(self, visit: Visit, where: QPoint) -> None:
        if self.context_menu_for is None:
            return
        menu = self.context_menu_for(visit)
        if menu.isEmpty():
            return
        self._menu = menu
        menu.popup(where)

    # --- timer only while on screen -----------------------------------------------------------
    def showEvent(self, event) -> None:
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)


_FINISHED = {VisitStatus.RETURNED.value, VisitStatus.COMPLETED.value}
