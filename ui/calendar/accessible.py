"""The painted calendar as a screen reader meets it: a list with one item for each visit.

The week, day, staff-lane and month views are painted, so Qt gives a screen reader ONE object
for them. Here the view is a list (role List) whose items are its visits in keyboard order
(CalendarView.ordered_ids), each named as said ('07:35–08:20 Rahman family, Luke Wood and Sarah
Mills, Safe and well check, overdue'), described by what the name leaves out (more_of), placed
where it is painted, and the selected one focused: as Up/Down/Left/Right move, that item is
told as the focus, which Orca and NVDA read out.

Lifetime: an item is a Python QAccessibleInterface that Qt's accessibility cache holds by a raw
pointer. Python must outlive the cache's use of it, so the items are kept here (one per visit,
the same object across the minute's reload) and taken out of the cache (deleteAccessibleInterface)
before they are dropped: when their visit leaves the view, and when the view is destroyed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, QPointF, QRect
from PySide6.QtGui import QAccessible, QAccessibleEvent, QAccessibleInterface, QWindow
from PySide6.QtWidgets import QAccessibleWidget

from hvdesk.clock import fmt_time
from ui.calendar.views import agenda_line

if TYPE_CHECKING:
    from ui.calendar.model import Entry
    from ui.calendar.views import _Base


def more_of(entry: Entry) -> str:
    """What the item's name leaves out (said after it): departure, return, postcode, number."""
    item = entry.item
    return (
        f"leave school {fmt_time(item.planned_departure)}, back by {fmt_time(item.expected_return)}"
        f", {item.postcode}" + ("" if item.announced else ", unannounced") + f", visit {item.id}"
    )


class VisitItem(QAccessibleInterface):
    """One painted visit: a list item of the calendar's list."""

    def __init__(self, calendar: CalendarAccessible, visit_id: int) -> None:
        super().__init__()
        self.calendar, self.visit_id = calendar, visit_id

    def _entry_view(self) -> tuple[_Base, bool] | None:
        view = self.calendar.painted
        if view.view is None or view.view.entry(self.visit_id) is None:
            return None
        return view, len(view.view.days) > 1

    def isValid(self) -> bool:
        return self._entry_view() is not None

    def object(self) -> QObject | None:  # type: ignore[override]
        return None

    def window(self) -> QWindow | None:  # type: ignore[override]
        return self.calendar.window()

    def relations(self, _match: Any = None) -> list[Any]:
        return []

    def focusChild(self) -> QAccessibleInterface | None:  # type: ignore[override]
        return None

    def childAt(self, _x: int, _y: int) -> QAccessibleInterface | None:  # type: ignore[override]
        return None

    def parent(self) -> QAccessibleInterface:
        return self.calendar

    def child(self, _index: int) -> QAccessibleInterface | None:  # type: ignore[override]
        return None

    def childCount(self) -> int:
        return 0

    def indexOfChild(self, _child: QAccessibleInterface) -> int:
        return -1

    def text(self, kind: QAccessible.Text) -> str:
        found = self._entry_view()
        if found is None:
            return ""
        view, with_day = found
        entry = view.view.entry(self.visit_id) if view.view else None
        if entry is None:
            return ""
        if kind == QAccessible.Text.Name:
            return agenda_line(entry, with_day=with_day)
        if kind == QAccessible.Text.Description:
            return more_of(entry)
        return ""

    def setText(self, _kind: QAccessible.Text, _text: str) -> None:
        return None

    def rect(self) -> QRect:
        view = self.calendar.painted
        where = view.rect_of(self.visit_id)
        if where is None:
            return QRect()
        return QRect(view.mapToGlobal(where.topLeft()), where.size())

    def role(self) -> QAccessible.Role:
        return QAccessible.Role.ListItem

    def state(self) -> QAccessible.State:
        view = self.calendar.painted
        state = QAccessible.State()
        state.focusable = state.selectable = True
        chosen = view.selected_id == self.visit_id
        state.selected = chosen
        state.focused = chosen and view.hasFocus()
        state.invisible = state.offscreen = view.rect_of(self.visit_id) is None
        return state


class CalendarAccessible(QAccessibleWidget):
    """A painted calendar view as a list of its visits (see the module's docstring)."""

    def __init__(self, painted: _Base) -> None:
        super().__init__(painted, QAccessible.Role.List)
        self.painted = painted
        self.items: dict[int, VisitItem] = {}
        items = self.items
        painted.destroyed.connect(lambda: _forget(items, set(items)))

    def _ids(self) -> list[int]:
        return self.painted.view.ordered_ids() if self.painted.view else []

    def item(self, visit_id: int) -> VisitItem:
        if visit_id not in self.items:
            self.items[visit_id] = VisitItem(self, visit_id)
        return self.items[visit_id]

    def childCount(self) -> int:
        return len(self._ids())

    def child(self, index: int) -> QAccessibleInterface | None:  # type: ignore[override]
        ids = self._ids()
        return self.item(ids[index]) if 0 <= index < len(ids) else None

    def indexOfChild(self, child: QAccessibleInterface) -> int:
        ids = self._ids()
        visit_id = getattr(child, "visit_id", None)
        return ids.index(visit_id) if visit_id in ids else -1

    def focusChild(self) -> QAccessibleInterface | None:  # type: ignore[override]
        chosen = self.painted.selected_id
        return self.item(chosen) if chosen and self.painted.hasFocus() else None

    def childAt(self, x: int, y: int) -> QAccessibleInterface | None:  # type: ignore[override]
        hit = self.painted.entry_at(QPointF(self.painted.mapFromGlobal(QPoint(x, y))))
        return self.item(hit[0].id) if hit else None

    def reloaded(self) -> None:
        """A new CalendarView: the items of visits no longer shown leave Qt's cache; the same
        visits keep theirs (nothing is said again for the minute's reload)."""
        _forget(self.items, set(self.items) - set(self._ids()))

    def focus_selected(self) -> None:
        """Tell the selected visit as the focus: a screen reader says it."""
        chosen = self.painted.selected_id
        if chosen and self.painted.hasFocus() and QAccessible.isActive():
            QAccessible.updateAccessibility(
                QAccessibleEvent(self.item(chosen), QAccessible.Event.Focus)
            )


def _forget(items: dict[int, VisitItem], gone: set[int]) -> None:
    """Take these visits' items out of Qt's cache, then let Python drop them (never before:
    the cache would point at freed memory)."""
    for visit_id in gone:
        item = items.pop(visit_id, None)
        if item is not None:
            QAccessible.deleteAccessibleInterface(QAccessible.uniqueId(item))


def interface(painted: _Base) -> CalendarAccessible:
    """The painted view's interface (made once, when a screen reader first asks)."""
    made = CalendarAccessible(painted)
    painted.accessible = made
    return made
