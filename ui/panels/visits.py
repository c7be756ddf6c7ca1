"""Visits screen: every visit, newest first, filtered and sorted by the database, with its timeline.

The list pages (fetchMore) on the background worker: the first rows show as quickly with ten years
of visits as with ten, and the screen loads nothing until it is opened. The selected visit's
actions show as buttons beside its timeline (not only in a pop-up menu), read on the worker too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_datetime, london
from hvdesk.events import label
from hvdesk.models import STATUS_LABELS, Event, Visit, VisitStatus
from hvdesk.services.visit_list import PAGE_SIZE, SortKey, VisitFilter, VisitList, VisitListRow
from hvdesk.services.visits import VisitQueries
from ui.a11y import ValueLabel, field_label, fit_columns, tab_leaves
from ui.models.paged import PagedTableModel
from ui.models.table import ObjectRole
from ui.visit_columns import visit_list_columns
from ui.worker import Worker

SORT_KEYS = [
    SortKey.WHEN,
    SortKey.HOUSEHOLD,
    SortKey.ADDRESS,
    SortKey.PURPOSE,
    SortKey.STAFF,
    SortKey.STATUS,
]


class VisitsPanel(QWidget):
    visit_selected = Signal(int)
    ADDRESS, PURPOSE, STAFF = 2, 3, 4  # columns that give way first at 1280 px

    def __init__(
        self,
        queries: VisitQueries,
        parent: QWidget | None = None,
        *,
        worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.queries = queries
        self.visit_list = VisitList(queries.db, queries.clock)
        self.worker = worker or Worker(self)
        self.filter = VisitFilter()
        self._selected_id: int | None = None
        self._rereading = False  # the rows held are being read again after a change
        self.model: PagedTableModel[VisitListRow] = PagedTableModel(
            visit_list_columns(), self.worker, PAGE_SIZE, self
        )
        self.model.sort_requested.connect(self._sort)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.failed.connect(self._load_failed)
        self.table = self._build_table()
        # set by the window: Visit -> QMenu of feature actions
        self.context_menu_for: Callable[[Visit], QMenu] | None = None
        # set by the window: Visit -> [(label, run)], the same actions as visible buttons
        self.actions_for: Callable[[Visit], list[tuple[str, Callable[[], object]]]] | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter visits…")
        self.search.setAccessibleName("Filter visits")
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.status = QComboBox()
        self.status.setAccessibleName("Status filter")
        self.status.addItem("All statuses", None)
        for status in VisitStatus:
            self.status.addItem(STATUS_LABELS[status], status.value)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.count_label = ValueLabel("Visits shown")  # read with its count, 'Loading…'
        self.timeline = QListWidget()
        self.timeline.setAccessibleName("Visit timeline")
        self.timeline.setWordWrap(True)  # long notes wrap rather than run off the side
        self.timeline_title = QLabel("Timeline")
        self.actions_button = QPushButton("Visit actions…")
        self.actions_button.setAccessibleName("Visit actions")
        self.actions_button.setToolTip("Actions for the selected visit (also on right-click)")
        self.actions_button.clicked.connect(self._actions_menu)
        # The visit's actions as buttons a first-time user sees (not only in a pop-up menu).
        self.action_box = QGroupBox("Actions for this visit")
        self.action_grid = QGridLayout(self.action_box)
        self.action_buttons: dict[str, QPushButton] = {}
        self._buttons_for: int | None = None  # the visit the buttons act on
        self.action_box.hide()
        self._lay_out()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_timeline())
        self._show_timeline()

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.setAccessibleName("Visits list")
        table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)  # the header asks the model, the model asks the database
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.setWordWrap(False)  # one line a visit: rows stay the same height while paging
        # fitting measures the rows on screen only: 200 rows a page would cost the first page
        # hundreds of milliseconds, and later pages do not move the columns anyway
        table.horizontalHeader().setResizeContentsPrecision(0)
        self._fit_columns(table)
        return tab_leaves(table)

    def _fit_columns(self, table: QTableView) -> None:
        """Every column on screen at 1280 px: Address, Purpose and Staff elide (tooltip whole)."""
        fit_columns(table, shrink=[self.ADDRESS, self.PURPOSE, self.STAFF])

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.search)
        bar.addWidget(field_label("Status:", self.status))
        bar.addWidget(self.status)
        bar.addWidget(self.count_label)
        bar.addWidget(self.actions_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.timeline_title)
        side_layout.addWidget(self.timeline)
        side_layout.addWidget(self.action_box)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter)

    # --- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Load the first page for the current filter (the window calls this when shown)."""
        current = self.selected_row()
        if current is not None:
            self._selected_id = current.id
        self.filter = VisitFilter(
            text=self.search.text(),
            status=self.status.currentData(),
            sort=self.filter.sort,
            descending=self.filter.descending,
        )
        flt, visit_list = self.filter, self.visit_list
        self.count_label.setText("Loading…")
        self.model.load(lambda offset, limit: visit_list.page(flt, offset, limit))

    def changed(self, tracker_only: bool) -> None:
        """Something was recorded while this screen is on show. Only the live tracker moved: the
        selected visit's timeline is read again, nothing else. Otherwise the rows scrolled through
        are read again in place, so the list keeps its length, its scroll position and the
        selected visit (not back to the first page at the top)."""
        if tracker_only:
            self.refresh_timeline()
            return
        if self.model.rowCount() == 0:
            self.refresh()
            return
        self._rereading = True
        self.count_label.setText("Loading…")
        self.model.reload()

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.filter = VisitFilter(
            text=self.filter.text,
            status=self.filter.status,
            sort=SORT_KEYS[column],
            descending=order == Qt.SortOrder.DescendingOrder,
        )
        if self.isVisible():
            self.refresh()

    def _page_loaded(self, count: int) -> None:
        rereading, self._rereading = self._rereading, False
        if count <= self.model.page_size and not rereading:  # a new list's first page: fit
            self._fit_columns(self.table)  # its columns once (a hand-set width stays)
        more = "" if self.model.complete else "+"
        noun = "visit" if count == 1 and not more else "visits"
        hint = "" if self.model.complete else " (scroll for more)"
        self.count_label.setText(f"{count}{more} {noun}{hint}")
        if rereading:
            self._keep_selection()
        elif self._selected_id is not None and not self.table.selectionModel().hasSelection():
            self._select(self._selected_id)

    def _select(self, visit_id: int) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_object(row).id == visit_id:
                self.table.selectRow(row)
                return True
        return False

    def _keep_selection(self) -> None:
        """After the rows were read again: the same visit stays selected (found by its number,
        wherever it moved to), and its timeline is read again; gone from the list, none is."""
        wanted, current = self._selected_id, self.selected_row()
        if wanted is None:
            return
        if current is not None and current.id == wanted:
            self.refresh_timeline()
        elif not self._select(wanted):
            self.table.clearSelection()

    def _load_failed(self, message: str) -> None:
        self.count_label.setText(f"Could not load visits ({message})")

    # --- selection and actions -------------------------------------------------------------
    def _context_menu(self, pos: QPoint) -> None:
        self._show_menu(self.table.viewport().mapToGlobal(pos))

    def _actions_menu(self) -> None:
        self._show_menu(self.actions_button.mapToGlobal(self.actions_button.rect().bottomLeft()))

    def _show_menu(self, where: QPoint) -> None:
        visit = self.selected()
        if visit is None or self.context_menu_for is None:
            return
        menu = self.context_menu_for(visit)
        if not menu.isEmpty():
            menu.exec(where)

    def _show_action_buttons(self, visit: Visit | None) -> None:
        """One button per action that applies to `visit` (None: no buttons), each named for a
        screen reader with the visit it acts on."""
        for button in self.action_buttons.values():
            self.action_grid.removeWidget(button)
            button.deleteLater()
        self.action_buttons = {}
        self._buttons_for = visit.id if visit is not None else None
        if visit is None or self.actions_for is None:
            self.action_box.hide()
            return
        day = london(visit.start)
        which = f"{visit.household.name} visit, {day:%a} {day.day} {day:%b}"
        previous: QWidget = self.timeline
        for i, (text, run) in enumerate(self.actions_for(visit)):
            button = QPushButton(text)
            button.setAccessibleName(f"{text.rstrip('…')}: {which}")  # whose visit, not its number
            button.clicked.connect(lambda _c=False, r=run: r())
            self.action_grid.addWidget(button, i, 0)  # one column: the table keeps the width
            # Tab: table, timeline, then these buttons in order (not the toolbar's search first)
            QWidget.setTabOrder(previous, button)
            previous = button
            self.action_buttons[text] = button
        self.action_box.setVisible(bool(self.action_buttons))

    def selected_row(self) -> VisitListRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def selected(self) -> Visit | None:
        """The selected visit, whole (for actions): one lookup by its number."""
        row = self.selected_row()
        return self.queries.get(row.id) if row is not None else None

    def _show_timeline(self) -> None:
        self.timeline.clear()
        row = self.selected_row()
        self.actions_button.setEnabled(row is not None)
        if row is None or row.id != self._buttons_for:  # no buttons for another visit meanwhile
            self._show_action_buttons(None)
        if row is None:
            self.timeline_title.setText("Timeline: select a visit")
            return
        self._selected_id = row.id
        self.visit_selected.emit(row.id)
        self.timeline_title.setText(f"Timeline: visit {row.id}, {row.household_name}")
        self._read_timeline(row.id)

    def refresh_timeline(self) -> None:
        """Read the selected visit's timeline and actions again (something was recorded)."""
        row = self.selected_row()
        if row is not None:
            self._read_timeline(row.id)

    def _read_timeline(self, visit_id: int) -> None:
        queries = self.queries
        self.worker.submit(
            lambda: (
                queries.get(visit_id),
                queries.timeline(visit_id),
                queries.timeline_breaks(visit_id),
            ),
            lambda found: self._timeline(*found),
            lambda message: self._timeline_failed(visit_id, message),
        )

    def _timeline_failed(self, visit_id: int, message: str) -> None:
        """Say it when the visit could not be read (deleted meanwhile, database away)."""
        if self._selected_id == visit_id:
            self.timeline_title.setText(
                f"Timeline: could not read visit {visit_id} ({message.splitlines()[0]})"
            )

    def _timeline(self, visit: Visit, events: list[Event], breaks: dict[int, str]) -> None:
        """Show the visit's actions and events (read on the worker), with a warning where the
        audit chain is broken."""
        if self._selected_id != visit.id:
            return  # another visit was selected meanwhile
        self._show_action_buttons(visit)
        self.timeline.clear()
        if breaks:
            first = min(breaks)
            self.timeline.addItem(
                f"WARNING: this timeline's audit trail is broken at event {first} "
                f"({breaks[first]}). Tell the data protection lead; "
                "'python main.py audit verify' checks the whole trail."
            )
        for event in events:
            note = f" — {event.note}" if event.note else ""
            flag = "[ALTERED?] " if event.id in breaks else ""
            self.timeline.addItem(
                f"{flag}{fmt_datetime(event.at)}  {label(event.kind)}  ({event.user_name}){note}"
            )
