"""A small Vorta-style table model: column constants, an object role, whole resets on refresh."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView

from ui.a11y import item_ink

T = TypeVar("T")
ObjectRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str] | None = None
    foreground: Callable[[T], Any] | None = None


def _sortable(value: Any) -> Any:
    """A key Qt's proxy can compare: Python datetimes and dates are opaque to QVariant."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return float(value.toordinal())
    return value


class RowTableModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]], parent=None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_object(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground:
            return item_ink(column.foreground(row))  # readable in the theme too
        if role == ObjectRole:
            return row
        if role == SortRole:
            return _sortable(column.sort(row)) if column.sort else column.text(row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


def set_rows_keeping_choice(
    view: QTableView,
    model: RowTableModel[T],
    rows: Sequence[T],
    key: Callable[[T], object] = lambda row: getattr(row, "id", None),
) -> bool:
    """A reload is no new choice: the rows read are shown and the row chosen before (by `key`,
    wherever sorting or a filter puts it now) is chosen again, so the next button acts on what
    the person chose. False when it is gone (nothing is chosen for them)."""
    shown = view.model()
    selection = view.selectionModel()
    chosen = [key(i.data(ObjectRole)) for i in selection.selectedRows()] if selection else []
    model.set_rows(rows)
    if not chosen:
        return False
    for row in range(shown.rowCount()):
        if key(shown.index(row, 0).data(ObjectRole)) == chosen[0]:
            view.selectRow(row)
            return True
    return False
