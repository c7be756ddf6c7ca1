"""The live 'Out now' table: every visit out, its level, what is next and a live countdown.

Vorta-style model: column constants, an object role, a whole reset when the board changes, and a
targeted dataChanged on the live columns every second (no database work on a tick).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from hvdesk.clock import fmt_time
from hvdesk.events import label as event_label
from hvdesk.models import Alarm
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


CONTACT_WORDS = {
    "departed": "Left school",
    "arrived": "Arrived",
    "checked_in": "Check-in",
    "office_call": "Office call",
    "left_property": "Left property",
    "running_late": "Late call",
    "parent_not_present": "Parents absent",
    "escalation_step": "Reached",
    "alarm_resolved": "Reached",
}


TEXT_WORDS = {
    "checked_in": "checked in",
    "arrived": "arrived",
    "left_property": "left the property",
    "running_late": "texted running late",
}


def contact_text(row: BoardRow) -> str:
    contact = row.state.last_contact
    if contact is None:
        return "None yet"
    word = CONTACT_WORDS.get(contact.kind) or event_label(contact.kind)
    if contact.by_text:  # 'Jasmin checked in by text 10:15'
        who = contact.by.split()[0] if contact.by else "Staff"
        did = TEXT_WORDS.get(contact.kind, word.lower())
        return f"{who} {did} by text {fmt_time(contact.at)}"
    return f"{word} {fmt_time(contact.at)}"


def alarm_text(alarm: Alarm) -> str:
    """'Check-in overdue — Sam Office handling': what the alarm is about, and who has it."""
    head = alarm.reason.split(";")[0].split(" (")[0].strip()
    if alarm.level == "duress":
        head = "Staff need help now"
    owner = f"{alarm.acknowledged_by} handling" if alarm.acknowledged_at else "NOBODY HANDLING"
    return f"{head} — {owner}"


@dataclass
class _Cached:
    """One row's texts and level, worked out once per board (levels only change at deadlines)."""

    row: BoardRow
    level: dl.Level
    focus: dl.Deadline | None
    texts: list[str]


class BoardModel(QAbstractTableModel):
    """Rows are worked out when the board changes (every check, and at every deadline
    transition); a tick only recounts the countdowns and repaints the cells that changed."""

    LEVEL, VISIT, STAFF, STATE, NEXT, COUNTDOWN, CONTACT = range(7)
    HEADERS = ("Level", "Visit", "Staff", "State", "Next", "Countdown", "Last contact")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Cached] = []
        self._now: datetime | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    # --- feeding -------------------------------------------------------------------------
    def set_board(self, board: Board, now: datetime) -> None:
        self.beginResetModel()
        board.sort(now)
        self._now = now
        self._rows = [self._work_out(row, now) for row in board.rows]
        self.endResetModel()

    def update_rows(self, board: Board, touched: frozenset[int], now: datetime) -> bool:
        """Work out again only the rows of `touched` visits (one change from any seat); the
        others keep their texts. False when the set of visits changed: call set_board."""
        cached = {c.row.visit.id: c for c in self._rows}
        if set(cached) != {r.visit.id for r in board.rows}:
            return False
        self._now = now
        old_order = [c.row.visit.id for c in self._rows]
        new_rows = [
            self._work_out(r, now) if r.visit.id in touched else cached[r.visit.id]
            for r in board.rows
        ]
        if [c.row.visit.id for c in new_rows] != old_order:  # urgency moved a row: re-order
            self.layoutAboutToBeChanged.emit()
            moved = {c.row.visit.id: i for i, c in enumerate(new_rows)}
            for index in self.persistentIndexList():
                vid = old_order[index.row()]
                self.changePersistentIndex(index, self.index(moved[vid], index.column()))
            self._rows = new_rows
            self.layoutChanged.emit()
        self._rows = new_rows
        last = self.columnCount() - 1
        for i, c in enumerate(new_rows):
            if c.row.visit.id in touched:
                self.dataChanged.emit(self.index(i, 0), self.index(i, last))
        return True

    def _work_out(self, row: BoardRow, now: datetime) -> _Cached:
        visit = row.visit
        level = row.state.level(now)
        focus = row.state.focus(now)
        first_line = visit.household.address.replace("\n", ",").split(",")[0].strip()
        texts = [
            levels.badge(level) + ("  DRILL" if row.drill_alarm_ids else ""),
            f"{visit.household.name}\n{first_line}",
            " + ".join(short_name(s.name) for s in visit.staff),
            state_text(row, now),
            dl.describe(focus, now) if focus else "Nothing due",
            "",
            contact_text(row),
        ]
        if row.open_alarms:  # the alarm says more than the deadline: what, and who has it
            alarm = row.open_alarms[0]
            texts[self.NEXT] = alarm_text(alarm)
            if alarm.level == "duress":
                focus = None  # no countdown: it is now
                texts[self.COUNTDOWN] = f"since {fmt_time(alarm.raised_at)}"
        cached = _Cached(row, level, focus, texts)
        if focus is not None:
            cached.texts[self.COUNTDOWN] = dl.countdown(focus, now)
        return cached

    def tick(self, now: datetime) -> int:
        """Recount the countdowns; repaint only the cells whose text changed. Returns how many."""
        self._now = now
        changed = []
        for i, cached in enumerate(self._rows):
            if cached.focus is None:
                continue
            text = dl.countdown(cached.focus, now)
            if text != cached.texts[self.COUNTDOWN]:
                cached.texts[self.COUNTDOWN] = text
                changed.append(i)
        for i in changed:
            index = self.index(i, self.COUNTDOWN)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        return len(changed)

    def rows(self) -> list[BoardRow]:
        return [c.row for c in self._rows]

    def row_of(self, visit_id: int) -> int:
        return next((i for i, c in enumerate(self._rows) if c.row.visit.id == visit_id), -1)

    def levels(self) -> list[dl.Level]:
        return [c.level for c in self._rows]

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        cached = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cached.texts[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:  # read aloud: no line break, whole names
            if column == self.STAFF:
                return cached.row.visit.staff_names
            return cached.texts[column].replace("\n", ", ")
        if role == Qt.ItemDataRole.ToolTipRole:
            visit = cached.row.visit
            if column == self.VISIT:
                return f"{visit.purpose_label}\n{visit.household.one_line_address}"
            if column == self.STAFF:
                return visit.staff_names
            return cached.texts[column]
        level = cached.level
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
            return cached.row
        if role == LevelRole:
            return int(level)
        return None
