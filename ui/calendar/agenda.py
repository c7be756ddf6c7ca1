"""The visits on screen as a list that a screen reader and the keyboard walk one visit at a time.

The painted views (views.py) give a screen reader their visits as list items of their own
(accessible.py); this list shows the same CalendarView's visits in time order for the eye too,
one item each, read as '09:30–10:15 Begum family, Jasmin Patel, Attendance, approved' (Qt's own
list interface). Kept in step with the painted view's selection both ways (CalendarPanel).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from hvdesk.clock import london
from hvdesk.rules.booking import initials
from ui.a11y import item_ink, tab_leaves
from ui.calendar.model import CalendarView, Entry
from ui.calendar.style import style_for
from ui.calendar.views import agenda_line, entry_text, hm

IdRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def shown_line(entry: Entry, *, with_day: bool) -> str:
    """Two short lines for the eye (the block beside has the rest): when and the family, then the
    badge and the staff's initials. A screen reader gets agenda_line instead."""
    item = entry.item
    day = london(item.start)
    when = f"{day:%a} {day.day} " if with_day else ""
    staff = " + ".join(initials(n) for n in (item.lead_name, item.companion_name) if n)
    badge = style_for(entry.state).badge
    return f"{when}{hm(entry.start)}–{hm(entry.end)} {item.household_name}\n{badge} · {staff}"


class AgendaModel(QAbstractListModel):
    """The visible visits in keyboard order (CalendarView.ordered_ids), reset with each view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[Entry] = []
        self._with_day = False

    def set_view(self, view: CalendarView) -> None:
        """The same visits again (the minute's refresh): only the rows that changed, so a screen
        reader is not made to say the visit in focus once a minute; other visits: a new list."""
        order = {visit_id: i for i, visit_id in enumerate(view.ordered_ids())}
        entries = sorted(view.entries, key=lambda e: order[e.id])
        with_day = len(view.days) > 1
        same = with_day == self._with_day and [e.id for e in entries] == [
            e.id for e in self._entries
        ]
        if not same:
            self.beginResetModel()
        old, self._entries, self._with_day = self._entries, entries, with_day
        if not same:
            self.endResetModel()
            return
        for row, (before, after) in enumerate(zip(old, entries, strict=True)):
            if before != after:  # a new state (overdue), a new time: said if it is in focus
                self.dataChanged.emit(self.index(row), self.index(row))

    def row_of(self, visit_id: int) -> int:
        return next((i for i, e in enumerate(self._entries) if e.id == visit_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return agenda_line(entry, with_day=self._with_day)
        if role == Qt.ItemDataRole.DisplayRole:
            return shown_line(entry, with_day=self._with_day)
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry_text(entry)
        if role == Qt.ItemDataRole.ForegroundRole:
            return item_ink(style_for(entry.state).ink)
        if role == IdRole:
            return entry.id
        return None


class AgendaList(QListView):
    """The list itself: Up/Down move, Enter opens, the Menu key or Shift+F10 shows the actions,
    Tab moves on to the actions below. Same signals as the painted views."""

    selected = Signal(int)  # visit id, 0 for none
    activated_visit = Signal(int)
    context_requested = Signal(int, QPoint)  # visit id, global position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agenda = AgendaModel(self)
        self.setModel(self.agenda)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)  # cut with '…': the tooltip and the details line say it all
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)
        self.setAlternatingRowColors(True)
        self.setAccessibleName("Visits shown")
        self.setToolTip("Every visit on screen, in time order: Enter opens, Menu key for actions")
        tab_leaves(self)
        self._quiet = False
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.doubleClicked.connect(lambda index: self.activated_visit.emit(index.data(IdRole)))

    def set_view(self, view: CalendarView, selected_id: int) -> None:
        self.agenda.set_view(view)
        self.select(selected_id)

    def selected_id(self) -> int:
        index = self.currentIndex()
        return int(index.data(IdRole)) if index.isValid() else 0

    def select(self, visit_id: int) -> None:
        """Follow the painted view (no signal back)."""
        row = self.agenda.row_of(visit_id)
        self._quiet = True
        try:
            if row < 0:
                self.selectionModel().clear()
            else:
                self.setCurrentIndex(self.agenda.index(row))
                self.scrollTo(self.agenda.index(row))
        finally:
            self._quiet = False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._quiet:
            self.selected.emit(int(current.data(IdRole)) if current.isValid() else 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        visit_id = self.selected_id()
        key = event.key()
        if visit_id and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated_visit.emit(visit_id)
            return
        shift_f10 = key == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if visit_id and (key == Qt.Key.Key_Menu or shift_f10):
            where = self.visualRect(self.currentIndex()).center()
            self.context_requested.emit(visit_id, self.viewport().mapToGlobal(where))
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if index.isValid():
            self.setCurrentIndex(index)
            self.context_requested.emit(int(index.data(IdRole)), event.globalPos())
