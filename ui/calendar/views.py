"""Painted calendar views. They lay out and paint a CalendarView and report what the user did.

Views hold no behaviour (TagStudio style): a drop, a double-click on an empty slot or a visit, a
right-click, all become signals the panel acts on. Keyboard path: Up/Down step through the visits
in time order, Left/Right to the nearest in the day (or lane) either side, Enter opens the selected
one, the Menu key (or Shift+F10) shows its actions; each is announced as it is selected. A screen
reader meets the visits one by one as the view's own list items (accessible.py) and in the list
beside (agenda.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from hvdesk.clock import fmt_time, london
from hvdesk.rules.booking import initials, purpose_label, short_name, snap_minutes
from ui.a11y import announce
from ui.calendar.model import CalendarView, Column, Entry, MonthCell
from ui.calendar.style import TALLY_ORDER, style_for

if TYPE_CHECKING:
    from ui.calendar.accessible import CalendarAccessible

HEADER_H = 34  # the sticky GridHeader above the scrolling grid
TOP_PAD = 8  # room for the first hour's label
GUTTER_W = 50
MIN_HOUR_H = 50
GRID = QColor("#d5d8dc")
HALF_GRID = QColor("#eceef0")
SHADE = QColor("#f4f5f6")
TODAY = QColor("#fff9e0")
NOW = QColor("#c62828")
SELECT = QColor("#1a1a1a")
TEXT = QColor("#202124")
HATCH = QBrush(QColor("#c9a0a0"), Qt.BrushStyle.BDiagPattern)


def hm(minutes: int) -> str:
    """A London clock time from minutes after midnight (cheaper than formatting datetimes)."""
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Drop:
    """A visit dragged somewhere. top_minutes None means 'same clock time' (month view)."""

    visit_id: int
    day: date
    top_minutes: float | None
    from_staff_id: int | None = None
    to_staff_id: int | None = None


def entry_text(entry: Entry) -> str:
    """Everything about a block in words (tooltip, details line, accessible description)."""
    item = entry.item
    staff = item.lead_name + (f" + {item.companion_name}" if item.companion_name else " (alone)")
    day = london(item.start)
    return (
        f"{style_for(entry.state).badge}: {day:%a} {day.day} {day:%b} "
        f"{fmt_time(item.start)}–{fmt_time(item.end)} (leave school {fmt_time(item.planned_departure)},"
        f" back by {fmt_time(item.expected_return)}), {item.household_name} {item.postcode}, "
        f"{purpose_label(item.purpose, item.purpose_other)}, {staff}"
        + ("" if item.announced else ", unannounced")
        + f", visit {item.id}"
    )


def state_word(state: str) -> str:
    """'approved', 'awaiting approval', 'overdue': a state's badge without its symbol, as said."""
    return style_for(state).badge.split(" ", 1)[-1].lower()


def agenda_line(entry: Entry, *, with_day: bool) -> str:
    """One visit as said and shown: time, family, staff, purpose, state (the day when the view
    shows more than one)."""
    item = entry.item
    staff = item.lead_name + (f" and {item.companion_name}" if item.companion_name else "")
    day = london(item.start)
    when = f"{day:%a} {day.day} {day:%b} " if with_day else ""
    return (
        f"{when}{hm(entry.start)}–{hm(entry.end)} {item.household_name}, {staff}, "
        f"{purpose_label(item.purpose, item.purpose_other)}, {state_word(entry.state)}"
    )


def _staff_line(entry: Entry, lane_staff: int | None, fm: QFontMetrics, width: int) -> str:
    item = entry.item
    if lane_staff is not None:  # in a person's lane, say who they are with
        other = item.companion_name if lane_staff == item.lead_staff_id else item.lead_name
        if not other:
            return "alone"
        full = f"with {short_name(other)}"
        return full if fm.horizontalAdvance(full) <= width else f"with {initials(other)}"
    names = [item.lead_name] + ([item.companion_name] if item.companion_name else [])
    full = " + ".join(short_name(n) for n in names)
    if fm.horizontalAdvance(full) <= width:
        return full
    return " + ".join(initials(n) for n in names)


class _Base(QWidget):
    selected = Signal(int)  # visit id, 0 for none
    activated = Signal(int)  # double-click or Enter on a visit
    move_requested = Signal(object)  # Drop
    context_requested = Signal(int, QPoint)  # visit id, global position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: CalendarView | None = None
        self.now: datetime | None = None
        self.today: date | None = None
        self.selected_id = 0
        self._press: tuple[QPointF, Entry, int, float] | None = None  # pos, entry, column, offset
        self._drag: Drop | None = None
        self.accessible: CalendarAccessible | None = None  # made when a screen reader asks
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def accessible_interface(self) -> CalendarAccessible:
        """A list of the painted visits for screen readers (ui.a11y_interfaces' factory)."""
        from ui.calendar.accessible import interface

        return interface(self)

    def set_view(self, view: CalendarView, now: datetime) -> None:
        self.view, self.now, self.today = view, now, london(now).date()
        if view.entry(self.selected_id) is None:
            self.selected_id = 0
        self._press = self._drag = None
        self._describe()
        if self.accessible is not None:
            self.accessible.reloaded()
        self.updateGeometry()
        self.update()

    def select(self, visit_id: int) -> None:
        if visit_id != self.selected_id:
            self.selected_id = visit_id
            self._describe()
            self.update()
            self.selected.emit(visit_id)
            view = self.view
            entry = view.entry(visit_id) if view else None
            if view and entry and self.hasFocus():  # said as the keyboard moves, as in a list
                if self.accessible is not None:  # its own item, focused
                    self.accessible.focus_selected()
                else:
                    announce(self, agenda_line(entry, with_day=len(view.days) > 1), urgent=False)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if self.accessible is not None:  # once Qt has told the view's focus: the visit's
            QTimer.singleShot(0, self, self.accessible.focus_selected)

    def _sideways(self, step: int) -> int | None:
        """Left/Right: the visit nearest in time in the next day (or lane) that has any; None
        with nothing selected or nothing further that way (then Left/Right change the week)."""
        if self.view is None:
            return None
        groups = [g.entries for g in (self.view.columns or self.view.cells)]
        here = next(
            (i for i, g in enumerate(groups) if any(e.id == self.selected_id for e in g)), None
        )
        if here is None:
            return None
        start = next(e.start for e in groups[here] if e.id == self.selected_id)
        i = here + step
        while 0 <= i < len(groups):
            if groups[i]:
                return min(groups[i], key=lambda e: (abs(e.start - start), e.start)).id
            i += step
        return None

    def _describe(self) -> None:
        entry = self.view.entry(self.selected_id) if self.view else None
        count = len(self.view.entries) if self.view else 0
        hint = f"{count} visits shown; Up and Down select a visit"
        # with a screen reader's items the selected one says its visit: the view's own text
        # changing too was said as well, each time the keyboard moved
        self.setAccessibleDescription(entry_text(entry) if entry and not self.accessible else hint)

    # --- keyboard ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._drag is not None and key == Qt.Key.Key_Escape:
            self._press = self._drag = None
            self.update()
            return
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not event.modifiers():
            target = self._sideways(-1 if key == Qt.Key.Key_Left else 1)
            if target is not None:
                self.select(target)
                return
        if self.view is not None and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            ids = self.view.ordered_ids()
            if ids:
                if self.selected_id in ids:
                    i = ids.index(self.selected_id) + (1 if key == Qt.Key.Key_Down else -1)
                else:
                    i = 0 if key == Qt.Key.Key_Down else len(ids) - 1
                self.select(ids[max(0, min(len(ids) - 1, i))])
            return
        if self.selected_id and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit(self.selected_id)
            return
        if self.selected_id and (
            key == Qt.Key.Key_Menu
            or (key == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        ):
            rect = self.rect_of(self.selected_id)
            where = rect.center() if rect is not None else self.rect().center()
            self.context_requested.emit(self.selected_id, self.mapToGlobal(where))
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        hit = self.entry_at(QPointF(event.pos()))
        if hit is None:
            return
        self.select(hit[0].id)
        self.context_requested.emit(hit[0].id, event.globalPos())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            key, plain = event.key(), not event.modifiers()
            sideways = plain and key in (Qt.Key.Key_Left, Qt.Key.Key_Right)
            if sideways and self._sideways(-1 if key == Qt.Key.Key_Left else 1) is not None:
                event.accept()  # ours: to the next visit, not the week's previous/next
                return True
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.entry_at(QPointF(event.pos()))
            if hit is not None:
                QToolTip.showText(event.globalPos(), entry_text(hit[0]), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # --- for subclasses ------------------------------------------------------------------------
    def entry_at(self, pos: QPointF) -> tuple[Entry, int] | None:
        raise NotImplementedError

    def rect_of(self, visit_id: int) -> QRect | None:
        raise NotImplementedError

    def _start_drag_if_far(self, pos: QPointF) -> bool:
        if self._press is None or not self._press[1].movable:
            return False
        if self._drag is not None:
            return True
        moved = (pos - self._press[0]).manhattanLength()
        return moved >= QApplication.startDragDistance()


class TimeGridView(_Base):
    """Columns of days (day and week views) or of staff (lanes), hours running down."""

    book_requested = Signal(object, int, object)  # day, minute of day (snapped), lane staff id
    changed = Signal()  # new view or new size: the header repaints

    def set_view(self, view: CalendarView, now: datetime) -> None:
        super().set_view(view, now)
        self.changed.emit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.changed.emit()

    def sizeHint(self) -> QSize:
        return QSize(900, TOP_PAD + 11 * 52)

    def minimumSizeHint(self) -> QSize:
        hours = (self.view.last_hour - self.view.first_hour) if self.view else 11
        columns = len(self.view.columns) if self.view else 7
        return QSize(GUTTER_W + columns * 60, TOP_PAD + hours * MIN_HOUR_H)

    # --- geometry ------------------------------------------------------------------------------
    def _hour_h(self) -> float:
        assert self.view is not None
        hours = max(1, self.view.last_hour - self.view.first_hour)
        return max(MIN_HOUR_H, (self.height() - TOP_PAD - 1) / hours)

    def y_of(self, minutes: float) -> float:
        assert self.view is not None
        return TOP_PAD + (minutes - self.view.first_hour * 60) / 60 * self._hour_h()

    def minutes_at(self, y: float) -> float:
        assert self.view is not None
        return self.view.first_hour * 60 + (y - TOP_PAD) / self._hour_h() * 60

    def column_rects(self) -> list[QRectF]:
        if self.view is None or not self.view.columns:
            return []
        total = sum(c.weight for c in self.view.columns)
        width = self.width() - GUTTER_W - 1
        x = float(GUTTER_W)
        out = []
        for column in self.view.columns:
            w = width * column.weight / total
            out.append(QRectF(x, 0, w, self.height()))
            x += w
        return out

    def column_at(self, x: float) -> int | None:
        for index, rect in enumerate(self.column_rects()):
            if rect.left() <= x < rect.right():
                return index
        return None

    def entry_rect(self, column: QRectF, entry: Entry) -> QRectF:
        width = (column.width() - 6) / max(1, entry.cols)
        top, bottom = self.y_of(entry.top), self.y_of(max(entry.bottom, entry.top + 10))
        return QRectF(column.left() + 3 + entry.col * width, top, width - 2, bottom - top)

    def entry_at(self, pos: QPointF) -> tuple[Entry, int] | None:
        if self.view is None:
            return None
        for index, (column, rect) in enumerate(
            zip(self.view.columns, self.column_rects(), strict=True)
        ):
            if not rect.left() <= pos.x() < rect.right():
                continue
            for entry in column.entries:
                if self.entry_rect(rect, entry).contains(pos):
                    return entry, index
        return None

    def rect_of(self, visit_id: int) -> QRect | None:
        if self.view is None:
            return None
        for column, rect in zip(self.view.columns, self.column_rects(), strict=True):
            for entry in column.entries:
                if entry.id == visit_id:
                    return self.entry_rect(rect, entry).toRect()
        return None

    # --- mouse ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.entry_at(event.position())
        if hit is None:
            self.select(0)
            self._press = None
            return
        entry, column = hit
        self.select(entry.id)
        self._press = (
            event.position(),
            entry,
            column,
            self.minutes_at(event.position().y()) - entry.top,
        )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._start_drag_if_far(event.position()) or self.view is None:
            return
        assert self._press is not None
        _pos, entry, from_column, offset = self._press
        index = self.column_at(event.position().x())
        if index is None:
            index = from_column
        column = self.view.columns[index]
        top = self.minutes_at(event.position().y()) - offset
        top = max(0.0, min(24 * 60 - (entry.bottom - entry.top), top))
        self._drag = Drop(
            entry.id,
            column.day,
            top,
            self.view.columns[from_column].staff_id,
            column.staff_id,
        )
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drop, press = self._drag, self._press
        self._drag = self._press = None
        if drop is None or press is None:
            return
        self.update()
        entry = press[1]
        same_place = (
            drop.day == entry.day
            and drop.from_staff_id == drop.to_staff_id
            and drop.top_minutes is not None  # a time grid's drop always has one
            and snap_minutes(drop.top_minutes + entry.start - entry.top) == entry.start
        )
        if not same_place:
            self.move_requested.emit(drop)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.view is None or event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.entry_at(event.position())
        if hit is not None:
            self.activated.emit(hit[0].id)
            return
        index = self.column_at(event.position().x())
        if index is None or event.position().y() < TOP_PAD:
            return
        column = self.view.columns[index]
        minutes = snap_minutes(self.minutes_at(event.position().y()) - 7, 15)
        self.book_requested.emit(column.day, max(0, min(minutes, 23 * 60 + 45)), column.staff_id)

    # --- painting ------------------------------------------------------------------------------
    def block_font(self) -> QFont:
        """Slightly smaller than the UI font, so a 45-minute visit shows time, place and staff."""
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)  # no antialiasing for fills: crisp and several times faster
        p.fillRect(self.rect(), QColor("white"))
        if self.view is None:
            return
        rects = self.column_rects()
        self._paint_grid(p, rects)
        self._fonts = self._fonts_for_paint()
        fm = self._fonts[(False, False)][1]
        exposed = QRectF(event.rect()).adjusted(-4, -4, 4, 4)
        for column, rect in zip(self.view.columns, rects, strict=True):
            for entry in column.entries:
                box = self.entry_rect(rect, entry)
                if box.intersects(exposed):  # only what scrolled into view
                    self._paint_entry(p, box, entry, column, fm)
        self._paint_now(p, rects)
        if self._drag is not None and self._press is not None:
            self._paint_ghost(p, rects, self._press[1])
        p.end()

    def _paint_grid(self, p: QPainter, rects: list[QRectF]) -> None:
        assert self.view is not None
        bottom = self.height()
        for column, rect in zip(self.view.columns, rects, strict=True):
            if column.day == self.today and self.view.mode.value != "lanes":
                p.fillRect(rect, TODAY)
            shade_top = self.y_of(self.view.first_hour * 60)
            p.fillRect(
                QRectF(
                    rect.left(),
                    shade_top,
                    rect.width(),
                    self.y_of(self.view.school_start) - shade_top,
                ),
                SHADE,
            )
            p.fillRect(
                QRectF(rect.left(), self.y_of(self.view.school_end), rect.width(), bottom),
                SHADE,
            )
            if column.day.weekday() >= 5 and self.view.mode.value == "week":
                p.fillRect(rect, SHADE)
        for hour in range(self.view.first_hour, self.view.last_hour + 1):
            y = self.y_of(hour * 60)
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(GUTTER_W - 4, y), QPointF(self.width(), y))
            if hour < self.view.last_hour:
                p.setPen(QPen(HALF_GRID, 1, Qt.PenStyle.DotLine))
                half = self.y_of(hour * 60 + 30)
                p.drawLine(QPointF(GUTTER_W, half), QPointF(self.width(), half))
                p.setPen(QColor("#5f6368"))
                p.drawText(
                    QRectF(0, y - 2, GUTTER_W - 6, 16),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                    f"{hour:02d}:00",
                )
        for rect in rects:
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(rect.left(), 0), QPointF(rect.left(), bottom))

    def _paint_now(self, p: QPainter, rects: list[QRectF]) -> None:
        assert self.view is not None and self.now is not None
        local = london(self.now)
        minutes = local.hour * 60 + local.minute
        if not self.view.first_hour * 60 <= minutes <= self.view.last_hour * 60:
            return
        y = self.y_of(minutes)
        for column, rect in zip(self.view.columns, rects, strict=True):
            if column.day == local.date():
                p.setPen(QPen(NOW, 2))
                p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
                p.setBrush(NOW)
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                p.drawEllipse(QPointF(rect.left() + 3, y), 3.5, 3.5)
                p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(NOW)
        p.drawText(QRectF(0, y - 8, GUTTER_W - 6, 16), Qt.AlignmentFlag.AlignRight, "now")

    def _paint_entry(
        self, p: QPainter, rect: QRectF, entry: Entry, column: Column, fm: QFontMetrics
    ) -> None:
        style = style_for(entry.state)
        p.save()
        box = rect.toAlignedRect()
        p.fillRect(box, style.travel)  # the pale ends: staff travelling
        visit = QRectF(rect.left(), self.y_of(entry.start), rect.width(), 0)
        visit.setBottom(max(visit.top() + 4, self.y_of(entry.end)))
        p.fillRect(visit.toAlignedRect(), style.fill)
        if style.hatched:
            p.fillRect(box, HATCH)
        p.fillRect(QRect(box.left(), box.top(), 4, box.height()), style.ink)
        pen = QPen(style.ink, style.outline_width, style.outline)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        if entry.id == self.selected_id:
            p.setPen(QPen(SELECT, 3))
            p.drawRect(rect.adjusted(-1.5, -1.5, 1.5, 1.5))
        self._paint_text(p, rect, entry, column, fm)
        p.restore()

    def _fonts_for_paint(self) -> dict[tuple[bool, bool], tuple[QFont, QFontMetrics]]:
        """(bold, struck) -> font and metrics, made once per paint rather than once per line."""
        out = {}
        for strong in (False, True):
            for struck in (False, True):
                font = self.block_font()
                font.setBold(strong)
                font.setStrikeOut(struck)
                out[(strong, struck)] = (font, QFontMetrics(font))
        return out

    def _paint_text(
        self, p: QPainter, rect: QRectF, entry: Entry, column: Column, fm: QFontMetrics
    ) -> None:
        style = style_for(entry.state)
        item = entry.item
        inner = rect.adjusted(7, 2, -3, -2)
        width = int(inner.width())
        if width < 8:
            return
        line_h = fm.height()
        room = max(1, int(inner.height() // line_h))
        time_text = f"{hm(entry.start)}–{hm(entry.end)}"
        first = f"{time_text}  {style.badge}"
        if fm.horizontalAdvance(first) > width:
            first = f"{style.short} {time_text}"
        elif room > 1:
            travel = f"  (leave {hm(entry.top)}, back {hm(entry.bottom)})"
            if fm.horizontalAdvance(first + travel) <= width:
                first += travel
        if room == 1:
            lines = [(f"{first} {item.household_name}", True, style.struck)]
        else:
            place = f"{item.household_name}, {item.postcode}"
            if fm.horizontalAdvance(place) > width:
                place = item.household_name
            lines = [(first, True, False), (place, False, style.struck)]
            if room > 2:
                lines.append((_staff_line(entry, column.staff_id, fm, width), False, False))
            if room > 3:
                lines.append((purpose_label(item.purpose, item.purpose_other), False, False))
        fonts = self._fonts
        y = inner.top()
        for text, strong, struck in lines:
            font, metrics = fonts[(strong, struck)]
            p.setFont(font)
            p.setPen(style.ink if strong else TEXT)
            p.drawText(
                QRectF(inner.left(), y, inner.width(), line_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, width),
            )
            y += line_h

    def _paint_ghost(self, p: QPainter, rects: list[QRectF], entry: Entry) -> None:
        assert self._drag is not None and self.view is not None
        drop = self._drag
        index = next(
            (
                i
                for i, c in enumerate(self.view.columns)
                if c.day == drop.day and c.staff_id == drop.to_staff_id
            ),
            None,
        )
        if index is None or drop.top_minutes is None:
            return
        column = rects[index]
        top = self.y_of(drop.top_minutes)
        height = self.y_of(drop.top_minutes + entry.bottom - entry.top) - top
        ghost = QRectF(column.left() + 3, top, column.width() - 6, height)
        p.setBrush(QColor(26, 115, 232, 60))
        p.setPen(QPen(QColor("#1a73e8"), 2, Qt.PenStyle.DashLine))
        p.drawRect(ghost)
        start = snap_minutes(drop.top_minutes + entry.start - entry.top)
        label = f"→ {drop.day:%a} {start // 60:02d}:{start % 60:02d}"
        p.setPen(QColor("#0b3d91"))
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(ghost.adjusted(6, 2, -2, -2), Qt.AlignmentFlag.AlignLeft, label)


class GridHeader(QWidget):
    """Column titles that stay put while the hours scroll; double-click a day to open it."""

    day_activated = Signal(object)  # date

    def __init__(self, grid: TimeGridView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.setFixedHeight(HEADER_H)
        grid.changed.connect(self.update)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.grid.column_at(event.position().x())
        if index is not None and self.grid.view is not None:
            self.day_activated.emit(self.grid.view.columns[index].day)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#f8f9fa"))
        view = self.grid.view
        if view is not None:
            header = QFont(self.font())
            header.setBold(True)
            p.setFont(header)
            metrics = QFontMetrics(header)
            lanes = view.mode.value == "lanes"
            for column, rect in zip(view.columns, self.grid.column_rects(), strict=True):
                head = QRectF(rect.left(), 0, rect.width(), HEADER_H)
                if column.day == self.grid.today and not lanes:
                    p.fillRect(head, QColor("#fff1b8"))
                    p.fillRect(
                        QRectF(head.left(), HEADER_H - 4, head.width(), 4), QColor("#8a5a00")
                    )
                p.setPen(QPen(GRID, 1))
                p.drawLine(QPointF(rect.left(), 0), QPointF(rect.left(), HEADER_H))
                p.setPen(QColor("#202124"))
                text = column.title
                if lanes:
                    count = f" ({len(column.entries)})"
                    text = next(
                        (
                            t
                            for t in (
                                text + count,
                                short_name(text) + count,
                                initials(text) + count,
                            )
                            if metrics.horizontalAdvance(t) <= rect.width() - 8
                        ),
                        initials(text),
                    )
                elif metrics.horizontalAdvance(text) > rect.width() - 8:
                    text = ("Today " if column.day == self.grid.today else "") + (
                        f"{column.day:%a} {column.day.day}"
                    )
                text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width() - 8))
                p.drawText(head.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignCenter, text)
        p.setPen(QPen(GRID, 1))
        p.drawLine(0, HEADER_H - 1, self.width(), HEADER_H - 1)
        p.end()


class MonthView(_Base):
    """Six weeks of days; each day shows its count, a badge tally and its first few visits."""

    day_activated = Signal(object)  # date: open that day

    HEAD = 24

    def sizeHint(self) -> QSize:
        return QSize(900, 560)

    def minimumSizeHint(self) -> QSize:
        return QSize(7 * 90, self.HEAD + 6 * 70)

    def cell_rect(self, index: int) -> QRectF:
        w = (self.width() - 1) / 7
        h = (self.height() - self.HEAD - 1) / 6
        return QRectF((index % 7) * w, self.HEAD + (index // 7) * h, w, h)

    def _line_h(self) -> int:
        return QFontMetrics(self.font()).height()

    def line_rects(self, index: int, cell: MonthCell) -> tuple[list[tuple[QRectF, Entry]], int]:
        """Where each shown visit's line sits, and how many did not fit."""
        rect = self.cell_rect(index)
        line_h = self._line_h()
        top = rect.top() + line_h + 4
        room = int((rect.bottom() - line_h - 2 - top) // line_h)  # keep the tally line free
        shown = cell.entries
        if len(shown) > room:
            shown = shown[: max(0, room - 1)]
        out = []
        for i, entry in enumerate(shown):
            out.append((QRectF(rect.left() + 3, top + i * line_h, rect.width() - 6, line_h), entry))
        return out, len(cell.entries) - len(shown)

    def cell_at(self, pos: QPointF) -> int | None:
        if self.view is None or pos.y() < self.HEAD:
            return None
        for index in range(len(self.view.cells)):
            if self.cell_rect(index).contains(pos):
                return index
        return None

    def entry_at(self, pos: QPointF) -> tuple[Entry, int] | None:
        index = self.cell_at(pos)
        if index is None or self.view is None:
            return None
        for rect, entry in self.line_rects(index, self.view.cells[index])[0]:
            if rect.contains(pos):
                return entry, index
        return None

    def rect_of(self, visit_id: int) -> QRect | None:
        if self.view is None:
            return None
        for index, cell in enumerate(self.view.cells):
            for rect, entry in self.line_rects(index, cell)[0]:
                if entry.id == visit_id:
                    return rect.toRect()
        return None

    def cell_summary(self, index: int) -> str:
        """A day in words: how many visits in each state (the tally is only symbols)."""
        assert self.view is not None
        cell = self.view.cells[index]
        order = {state: i for i, state in enumerate(TALLY_ORDER)}
        counts = sorted(cell.counts().items(), key=lambda kv: order.get(kv[0], 99))
        parts = [f"{n} {state_word(state)}" for state, n in counts]
        total = len(cell.entries)
        head = f"{cell.day:%a} {cell.day.day} {cell.day:%b}: {total} visit{'s' * (total != 1)}"
        return head + (" (" + ", ".join(parts) + ")" if parts else "") + ". Double-click to open."

    def event(self, event: QEvent) -> bool:
        tooltip = event.type() == QEvent.Type.ToolTip
        if tooltip and isinstance(event, QHelpEvent) and self.view is not None:
            pos = QPointF(event.pos())
            index = self.cell_at(pos)
            if self.entry_at(pos) is None and index is not None:
                QToolTip.showText(event.globalPos(), self.cell_summary(index), self)
                return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.entry_at(event.position())
        if hit is None:
            self._press = None
            return
        self.select(hit[0].id)
        self._press = (event.position(), hit[0], hit[1], 0.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._start_drag_if_far(event.position()) or self.view is None:
            return
        index = self.cell_at(event.position())
        assert self._press is not None
        if index is None:
            return
        self._drag = Drop(self._press[1].id, self.view.cells[index].day, None)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drop, press = self._drag, self._press
        self._drag = self._press = None
        self.update()
        if drop is not None and press is not None and drop.day != press[1].day:
            self.move_requested.emit(drop)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.view is None:
            return
        hit = self.entry_at(event.position())
        if hit is not None:
            self.activated.emit(hit[0].id)
            return
        index = self.cell_at(event.position())
        if index is not None:
            self.day_activated.emit(self.view.cells[index].day)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        if self.view is None:
            return
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        w = (self.width() - 1) / 7
        for i, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
            p.setPen(QColor("#202124"))
            p.drawText(QRectF(i * w, 0, w, self.HEAD), Qt.AlignmentFlag.AlignCenter, name)
        for index, cell in enumerate(self.view.cells):
            self._paint_cell(p, index, cell)
        if self._drag is not None:
            target = next(
                (i for i, c in enumerate(self.view.cells) if c.day == self._drag.day), None
            )
            if target is not None:
                p.setPen(QPen(QColor("#1a73e8"), 3, Qt.PenStyle.DashLine))
                p.setBrush(QColor(26, 115, 232, 40))
                p.drawRect(self.cell_rect(target).adjusted(2, 2, -2, -2))
        p.end()

    def _paint_cell(self, p: QPainter, index: int, cell: MonthCell) -> None:
        rect = self.cell_rect(index)
        today = cell.day == self.today
        if today:
            p.fillRect(rect, TODAY)
        elif not cell.in_month or cell.day.weekday() >= 5:
            p.fillRect(rect, SHADE)
        p.setPen(QPen(GRID, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        if today:
            p.setPen(QPen(QColor("#8a5a00"), 2.5))
            p.drawRect(rect.adjusted(1, 1, -1, -1))
        fm = QFontMetrics(self.font())
        line_h = fm.height()
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(QColor("#202124") if cell.in_month else QColor("#80868b"))
        label = f"Today {cell.day.day}" if today else str(cell.day.day)
        if cell.day.day == 1:
            label = f"{label} {cell.day:%b}"
        p.drawText(QRectF(rect.left() + 4, rect.top() + 2, rect.width() - 8, line_h), 0, label)
        if cell.entries:
            p.setFont(self.font())
            count = f"{len(cell.entries)} visit{'s' * (len(cell.entries) != 1)}"
            p.drawText(
                QRectF(rect.left() + 4, rect.top() + 2, rect.width() - 8, line_h),
                Qt.AlignmentFlag.AlignRight,
                count,
            )
        lines, hidden = self.line_rects(index, cell)
        for line, entry in lines:
            style = style_for(entry.state)
            if entry.id == self.selected_id:
                p.fillRect(line, QColor("#d2e3fc"))
                p.setPen(QPen(SELECT, 1.5))
                p.drawRect(line)
            font = QFont(self.font())
            font.setStrikeOut(style.struck)
            p.setFont(font)
            p.setPen(style.ink)
            text = f"{style.short} {fmt_time(entry.item.start)} {entry.item.household_name}"
            p.drawText(
                line.adjusted(2, 0, -2, 0),
                Qt.AlignmentFlag.AlignVCenter,
                QFontMetrics(font).elidedText(
                    text, Qt.TextElideMode.ElideRight, int(line.width() - 4)
                ),
            )
        p.setFont(self.font())
        tally_rect = QRectF(rect.left() + 4, rect.bottom() - line_h - 2, rect.width() - 8, line_h)
        if hidden:
            more = f"+{hidden} more"
            p.setPen(QColor("#202124"))
            p.drawText(tally_rect, Qt.AlignmentFlag.AlignLeft, more)
            tally_rect.setLeft(tally_rect.left() + fm.horizontalAdvance(more) + 8)
        counts = cell.counts()
        if counts:
            order = {state: i for i, state in enumerate(TALLY_ORDER)}
            tally = " ".join(
                f"{style_for(s).short}{n}"
                for s, n in sorted(counts.items(), key=lambda kv: order.get(kv[0], 99))
            )
            p.setPen(QColor("#3c4043"))
            p.drawText(
                tally_rect,
                Qt.AlignmentFlag.AlignRight,
                fm.elidedText(tally, Qt.TextElideMode.ElideLeft, int(tally_rect.width())),
            )
