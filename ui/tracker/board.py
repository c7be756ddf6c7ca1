"""The live 'Out now' table: every visit out, its level, what is next and a live countdown.

Vorta-style model: column constants, an object role, a whole reset when the board changes, and a
targeted dataChanged on the live columns every second (no database work on a tick).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from hvdesk.clock import fmt_time
from hvdesk.events import label as event_label
from hvdesk.rules import deadlines as dl
from hvdesk.services.tracker import Board, BoardRow
from ui.models.table import ObjectRole
from ui.tracker import levels
from ui.visit_columns import badge as status_badge

Index = QModelIndex | QPersistentModelIndex
LevelRole = Qt.ItemDataRole.UserRole + 3


def state_text(row: BoardRow, now: datetime) -> str:
    state = row.state
    if state.phase == "heading_back":
        text = "← Heading back (visit cancelled)"
    else:
        text = status_badge(row.visit.status)
    if state.parent_wait_until is not None and now < state.parent_wait_until:
        text += f"; waiting for parents until {fmt_time(state.parent_wait_until)}"
    return text


def short_name(name: str) -> str:
    """'J. Patel' for 'Jasmin Patel': the tracker is read at a glance (UI.md)."""
    parts = name.split()
    return name if len(parts) < 2 else f"{parts[0][0]}. {' '.join(parts[1:])}"


def contact_text(row: BoardRow) -> str:
    contact = row.state.last_contact
    if contact is None:
        return "None yet"
    return f"{event_label(contact.kind)} {fmt_time(contact.at)}"


class BoardModel(QAbstractTableModel):
    LEVEL, VISIT, STAFF, STATE, NEXT, COUNTDOWN, CONTACT = range(7)
    HEADERS = ("Level", "Visit", "Staff", "State", "Next", "Countdown", "Last contact")
    LIVE = (LEVEL, NEXT, COUNTDOWN)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[BoardRow] = []
        self._now: datetime | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    # --- feeding -------------------------------------------------------------------------
    def set_board(self, board: Board, now: datetime) -> None:
        self.beginResetModel()
        board.sort(now)
        self._rows = list(board.rows)
        self._now = now
        self.endResetModel()

    def tick(self, now: datetime) -> bool:
        """Update the live columns; re-sort (and return True) when the urgency order changed."""
        self._now = now
        if not self._rows:
            return False
        order = sorted(self._rows, key=lambda r: r.state.urgency(now))
        if [r.visit.id for r in order] != [r.visit.id for r in self._rows]:
            self.beginResetModel()
            self._rows = order
            self.endResetModel()
            return True
        for column in self.LIVE:
            self.dataChanged.emit(
                self.index(0, column), self.index(len(self._rows) - 1, column), []
            )
        return False

    def rows(self) -> list[BoardRow]:
        return list(self._rows)

    def row_of(self, visit_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.visit.id == visit_id), -1)

    def level(self, row: BoardRow) -> dl.Level:
        return row.state.level(self._now) if self._now else dl.Level.OK

    # --- Qt ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def _text(self, row: BoardRow, column: int) -> str:
        now = self._now
        assert now is not None
        focus = row.state.focus(now)
        visit = row.visit
        if column == self.LEVEL:
            text = levels.badge(row.state.level(now))
            return text + ("  DRILL" if row.drill_alarm_ids else "")
        if column == self.VISIT:
            first_line = visit.household.address.replace("\n", ",").split(",")[0].strip()
            return f"{visit.household.name}, {first_line}"
        if column == self.STAFF:
            return " + ".join(short_name(s.name) for s in visit.staff)
        if column == self.STATE:
            return state_text(row, now)
        if column == self.NEXT:
            return dl.describe(focus, now) if focus else "Nothing due"
        if column == self.COUNTDOWN:
            return dl.countdown(focus, now) if focus else ""
        if column == self.CONTACT:
            return contact_text(row)
        return ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or self._now is None:
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.VISIT:
                return f"{row.visit.purpose_label}\n{row.visit.household.one_line_address}"
            if column == self.STAFF:
                return row.visit.staff_names
            return self._text(row, column)
        level = row.state.level(self._now)
        if role == Qt.ItemDataRole.BackgroundRole and column == self.LEVEL:
            return levels.background(level)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.LEVEL:
            return levels.foreground(level)
        if role == Qt.ItemDataRole.FontRole and (
            column == self.LEVEL
            or (level >= dl.Level.RED and column in (self.NEXT, self.COUNTDOWN))
        ):
            return self._bold
        if role == ObjectRole:
            return row
        if role == LevelRole:
            return int(level)
        return None
