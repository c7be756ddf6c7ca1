"""A table model whose rows come a page at a time from the background worker (Qt's fetchMore).

The view asks for more only as the user scrolls; each page is a database query run on the worker,
so the GUI thread never waits and memory follows what was scrolled through, not the match count.
A new filter or order bumps a generation: pages of the old one that arrive late are dropped, and
while a query runs, further requests wait and only the newest is then sent (typing coalesces).
A change recorded elsewhere re-reads the rows held in one query and updates them in place (reload),
so the list keeps what was scrolled through and where the view stood.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal

from ui.models.table import Column, Index, RowTableModel
from ui.worker import Worker

T = TypeVar("T")
Fetch = Callable[[int, int], Sequence[Any]]  # (offset, limit) -> rows, run on the worker


class PagedTableModel(RowTableModel[T]):
    page_loaded = Signal(int)  # rows held after a page arrived (the last page may be short)
    failed = Signal(str)
    sort_requested = Signal(int, object)  # (column, Qt.SortOrder): the owner re-queries

    def __init__(
        self,
        columns: Sequence[Column[T]],
        worker: Worker,
        page_size: int = 200,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(columns, parent)
        self.worker, self.page_size = worker, page_size
        self._fetch: Fetch | None = None
        self._generation = 0
        self._exhausted = True
        self._in_flight = False
        self._wanted = False
        self._reread = False  # the next query reads the rows held again (reload), not a page

    # --- loading ---------------------------------------------------------------------------
    def load(self, fetch: Fetch) -> None:
        """Start again from the first page of `fetch` (a new filter or order)."""
        self.beginResetModel()
        self._generation += 1
        self._rows = []
        self._fetch = fetch
        self._exhausted = False
        self._wanted = True
        self._reread = False
        self.endResetModel()
        self._pump()

    def reload(self) -> None:
        """Read the rows held again (as many as were scrolled through, one query) and update them
        in place: no reset, so the view keeps its scroll position. A page of the old read that
        arrives late is dropped."""
        if self._fetch is None:
            return
        self._generation += 1
        self._reread = self._wanted = True
        self._pump()

    @property
    def loading(self) -> bool:
        return self._in_flight or self._wanted

    @property
    def complete(self) -> bool:
        """Every matching row is held (nothing more to fetch)."""
        return self._exhausted and not self.loading

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self.loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._wanted = True
            self._pump()

    def _pump(self) -> None:
        if self._in_flight or not self._wanted or self._fetch is None:
            return
        self._wanted, self._in_flight = False, True
        generation, fetch, reread = self._generation, self._fetch, self._reread
        self._reread = False
        if reread:
            size = max(len(self._rows), self.page_size)
            self.worker.submit(
                lambda: fetch(0, size),
                lambda rows: self._replaced(generation, rows, size),
                self._failed,
            )
            return
        offset, size = len(self._rows), self.page_size
        self.worker.submit(
            lambda: fetch(offset, size),
            lambda rows: self._arrived(generation, rows),
            self._failed,
        )

    def _arrived(self, generation: int, rows: Sequence[T]) -> None:
        self._in_flight = False
        if generation == self._generation:
            self._exhausted = len(rows) < self.page_size
            if rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
            self.page_loaded.emit(len(self._rows))
        self._pump()

    def _replaced(self, generation: int, rows: Sequence[T], size: int) -> None:
        """The rows held, read again: changed in place, the tail removed or added."""
        self._in_flight = False
        if generation == self._generation:
            self._exhausted = len(rows) < size
            held, new = len(self._rows), len(rows)
            if new < held:
                self.beginRemoveRows(QModelIndex(), new, held - 1)
                del self._rows[new:]
                self.endRemoveRows()
            kept = min(held, new)
            self._rows[:kept] = rows[:kept]
            if kept:
                last = self.index(kept - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            if new > held:
                self.beginInsertRows(QModelIndex(), held, new - 1)
                self._rows.extend(rows[held:])
                self.endInsertRows()
            self.page_loaded.emit(len(self._rows))
        self._pump()

    def _failed(self, message: str) -> None:
        self._in_flight = False
        self._exhausted = True
        self.failed.emit(message.splitlines()[0] if message else "unknown error")
        self._pump()

    # --- the model: RowTableModel's, over the rows held ----------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The view's header was clicked: the database sorts, so the owner loads again."""
        self.sort_requested.emit(column, order)
