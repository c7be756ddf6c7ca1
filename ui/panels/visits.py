"""Visits screen: every visit, newest first, filterable, with its timeline."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_datetime
from hvdesk.events import label
from hvdesk.models import STATUS_LABELS, Visit, VisitStatus
from hvdesk.services.visits import VisitQueries
from ui.a11y import fit_columns
from ui.list_view import filter_box, filtered_table
from ui.models.table import ObjectRole, RowTableModel
from ui.visit_columns import visit_columns


class VisitsPanel(QWidget):
    visit_selected = Signal(int)
    ADDRESS, PURPOSE, STAFF = 2, 3, 4  # columns that give way first at 1280 px

    def __init__(self, queries: VisitQueries, parent=None) -> None:
        super().__init__(parent)
        self.queries = queries
        self.model: RowTableModel[Visit] = RowTableModel(visit_columns(), self)
        self.table, self.proxy = filtered_table(
            self.model, "Visits list", self, QHeaderView.ResizeMode.Interactive
        )
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first, by real time
        self.table.setWordWrap(False)  # one line a visit; a narrowed column elides, tooltip full
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # set by the window: Visit -> QMenu of feature actions
        self.context_menu_for: Callable[[Visit], QMenu] | None = None
        # set by the window: Visit -> [(label, run)], the same actions as visible buttons
        self.actions_for: Callable[[Visit], list[tuple[str, Callable[[], object]]]] | None = None
        self.search = filter_box(self.proxy, "Filter visits…", "Filter visits")
        self.status = QComboBox()
        self.status.setAccessibleName("Status filter")
        self.status.addItem("All statuses", None)
        for status in VisitStatus:
            self.status.addItem(STATUS_LABELS[status], status.value)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.timeline = QListWidget()
        self.timeline.setAccessibleName("Visit timeline")
        self.timeline.setWordWrap(True)  # long notes wrap rather than run off the side
        self.timeline_title = QLabel("Timeline")
        self.actions_button = QPushButton("Visit actions…")
        self.actions_button.setAccessibleName("Visit actions")
        self.actions_button.setToolTip("Actions for the selected visit (also on right-click)")
        self.actions_button.clicked.connect(self._actions_menu)
        bar = QHBoxLayout()
        bar.addWidget(self.search)
        bar.addWidget(self.status)
        bar.addWidget(self.actions_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.timeline_title)
        side_layout.addWidget(self.timeline)
        # The visit's actions as buttons a first-time user sees (not only in a pop-up menu).
        self.action_box = QGroupBox("Actions for this visit")
        self.action_grid = QGridLayout(self.action_box)
        self.action_buttons: dict[str, QPushButton] = {}
        self.action_box.hide()
        side_layout.addWidget(self.action_box)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_timeline())
        self.refresh()

    def refresh(self) -> None:
        status = self.status.currentData()
        rows = (
            self.queries.with_status(VisitStatus(status)) if status else self.queries.recent(2000)
        )
        self.model.set_rows(rows)
        fit_columns(self.table, shrink=[self.ADDRESS, self.PURPOSE, self.STAFF])
        self._show_timeline()

    def _context_menu(self, pos) -> None:
        self._show_menu(self.table.viewport().mapToGlobal(pos))

    def _actions_menu(self) -> None:
        self._show_menu(self.actions_button.mapToGlobal(self.actions_button.rect().bottomLeft()))

    def _show_menu(self, where) -> None:
        visit = self.selected()
        if visit is None or self.context_menu_for is None:
            return
        menu = self.context_menu_for(self.queries.get(visit.id))
        if not menu.isEmpty():
            menu.exec(where)

    def _show_action_buttons(self, visit: Visit | None) -> None:
        for button in self.action_buttons.values():
            self.action_grid.removeWidget(button)
            button.deleteLater()
        self.action_buttons = {}
        if visit is None or self.actions_for is None:
            self.action_box.hide()
            return
        for i, (text, run) in enumerate(self.actions_for(self.queries.get(visit.id))):
            button = QPushButton(text)
            button.setAccessibleName(f"{text.rstrip('…')}: visit {visit.id}")
            button.clicked.connect(lambda _c=False, r=run: r())
            self.action_grid.addWidget(button, i, 0)  # one column: the table keeps the width
            self.action_buttons[text] = button
        self.action_box.setVisible(bool(self.action_buttons))

    def selected(self) -> Visit | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def _show_timeline(self) -> None:
        self.timeline.clear()
        visit = self.selected()
        self.actions_button.setEnabled(visit is not None)
        self._show_action_buttons(visit)
        if visit is None:
            self.timeline_title.setText("Timeline: select a visit")
            return
        self.visit_selected.emit(visit.id)
        self.timeline_title.setText(f"Timeline: visit {visit.id}, {visit.household.name}")
        breaks = self.queries.timeline_breaks(visit.id)
        if breaks:
            first = min(breaks)
            warning = (
                f"WARNING: this timeline's audit trail is broken at event {first} "
                f"({breaks[first]}). Tell the data protection lead; "
                "'python main.py audit verify' checks the whole trail."
            )
            self.timeline.addItem(warning)
        for event in self.queries.timeline(visit.id):
            note = f" — {event.note}" if event.note else ""
            flag = "[ALTERED?] " if event.id in breaks else ""
            self.timeline.addItem(
                f"{flag}{fmt_datetime(event.at)}  {label(event.kind)}  ({event.user_name}){note}"
            )
