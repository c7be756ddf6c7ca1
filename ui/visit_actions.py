"""Actions on one visit, contributed by features and shown wherever a visit is (menus, details).

Features register a VisitAction on the window; lists and the visit details build their menus from
the registry, so a new feature never edits another screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QMenu, QWidget
from sqlalchemy import inspect

from hvdesk.models import Visit


@dataclass(frozen=True)
class VisitAction:
    label: str
    run: Callable[[Visit, QWidget], object]  # (visit, parent widget); any result is ignored
    applies: Callable[[Visit], bool] = lambda _v: True
    group: str = "visit"  # menu section: booking, approval, tracking, print


class VisitActions:
    GROUP_ORDER = ("booking", "approval", "tracking", "print", "visit")

    def __init__(self) -> None:
        self._actions: list[VisitAction] = []

    def register(self, action: VisitAction) -> None:
        self._actions.append(action)

    def for_visit(self, visit: Visit) -> list[VisitAction]:
        applicable = [a for a in self._actions if a.applies(visit)]
        return sorted(
            applicable,
            key=lambda a: self.GROUP_ORDER.index(a.group) if a.group in self.GROUP_ORDER else 99,
        )

    def menu(self, visit: Visit, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        # Named for a screen reader, which announces the pop-up as it opens.
        what = f"visit {visit.id}"
        if "household" not in inspect(visit).unloaded:  # a detached visit may not carry it
            what = f"{visit.household.name}, {what}"
        menu.setTitle(f"Actions for {what}")
        menu.setAccessibleName(f"Actions for {what}")
        group = None
        for action in self.for_visit(visit):
            if group is not None and action.group != group:
                menu.addSeparator()
            group = action.group
            menu.addAction(action.label).triggered.connect(
                lambda _c=False, a=action: a.run(visit, parent)
            )
        return menu
