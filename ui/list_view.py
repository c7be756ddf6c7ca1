"""The filterable, sortable one-selection table every list screen uses."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView

from ui.a11y import tab_leaves
from ui.models.table import SortRole


def filtered_table(
    model: QAbstractItemModel,
    name: str,
    parent: QObject,
    resize: QHeaderView.ResizeMode = QHeaderView.ResizeMode.Interactive,
) -> tuple[QTableView, QSortFilterProxyModel]:
    """A row-selecting table over a proxy that filters on every column and sorts by SortRole."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSortRole(SortRole)
    proxy.setSourceModel(model)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(-1)
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(resize)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAccessibleName(name)
    return tab_leaves(table), proxy


def filter_box(proxy: QSortFilterProxyModel, placeholder: str, name: str) -> QLineEdit:
    box = QLineEdit()
    box.setPlaceholderText(placeholder)
    box.setAccessibleName(name)
    box.textChanged.connect(proxy.setFilterFixedString)
    return box
