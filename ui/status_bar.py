"""A status bar that wraps onto a second line instead of cutting its texts short.

With every warning showing (ALARM SOUND OFF, NO MONITOR, a channel fault, "alarms may be late") the
office's status bar holds more than 1280 pixels of text; a one-line bar must cut something, and a
cut text ("data…", "polic…") is text nobody can read. Here the labels flow left to right and wrap,
so everything is readable at any width and the bar takes a second line only while it needs one.

It is a drop-in QStatusBar: features keep calling addWidget / insertWidget / addPermanentWidget /
insertPermanentWidget; the ordinary widgets come first (Monitoring, the alarm warnings, the
counts) and the permanent ones after them. A temporary message (showMessage, a menu's status
tip) shows in its own label in the flow rather than painted over Monitoring and the counts; it
takes the place of the texts that matter least while it shows (`give_way_to_messages`: the
database and policy) and is cut short rather than add a line. While it shows, the bar keeps the
height it has without it (a short message in place of two long texts would take a line away),
so hovering a menu never makes the window above it jump, up or down.

The widgets are kept in flow order as the area's children too, so a screen reader walks the bar
in the order it is read on screen.
"""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLayout, QLayoutItem, QStatusBar, QWidget, QWidgetItem

from ui.a11y import ElidedLabel

ROW_GAP = 2
ITEM_GAP = 4  # between labels, so a coloured badge never touches its neighbour's text
MIN_WIDTH = 200  # the narrowest the bar asks for: one long text never widens the window
MESSAGE_LEAST = 80  # a message is given at least this much, even if that costs a line

Row = list[tuple[QLayoutItem, QSize]]  # one line's widgets and the size each is given


class FlowLayout(QLayout):
    """Widgets in reading order, left to right, wrapping to the next line when the row is full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.caps: dict[QWidget, int] = {}  # widths some widgets are held to (a message)
        # (hidden, shown): while a message shows, the height is the one without it
        self.height_as: tuple[list[QWidget], list[QWidget]] | None = None
        self._heights: dict[int, int] = {}  # heightForWidth's answers since the last change
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def set_widgets(self, widgets: list[QWidget]) -> None:
        """The widgets in this order (the status bar reorders when a feature inserts one)."""
        self._items = [QWidgetItem(w) for w in widgets]
        self.invalidate()

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """Worked out once per width until the layout changes: Qt asks it several times in
        every layout pass of the window, each asking every label for its size hint."""
        height = self._heights.get(width)
        if height is None:
            if self.height_as is None:
                rows = self._rows(width)
            else:  # a message shows: the height the bar has without it, neither more nor less
                hide, show = self.height_as
                rows = self._rows(width, hide=hide, show=show, caps={})
            height = self._heights[width] = self._height(rows)
        return height

    def invalidate(self) -> None:
        """A label shown, hidden, added or given a new text (Qt calls this), or the caps set."""
        self._heights.clear()
        super().invalidate()

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect)

    def sizeHint(self) -> QSize:
        """One line holding everything: what the bar would like, not what it needs."""
        shown = [item for item in self._items if not item.isEmpty()]
        width = sum(item.sizeHint().width() for item in shown)
        height = max((item.sizeHint().height() for item in shown), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        """The widest single label's shortest form, but never over MIN_WIDTH: a label wider than
        the bar is cut alone on its own line (a 300-character printout path), it never makes
        the window wider than the screen."""
        shown = [item for item in self._items if not item.isEmpty()]
        width = max((item.minimumSize().width() for item in shown), default=0)
        height = max((item.minimumSize().height() for item in shown), default=0)
        return QSize(min(width, MIN_WIDTH), height)

    def rows(
        self,
        width: int,
        *,
        hide: Collection[QWidget] = (),
        show: Collection[QWidget] = (),
        caps: dict[QWidget, int] | None = None,
    ) -> int:
        """How many lines the shown widgets take at this width (or would, with `hide` hidden,
        `show` shown and `caps` for widths)."""
        return len(self._rows(width, hide=hide, show=show, caps=caps))

    def _rows(
        self,
        width: int,
        *,
        hide: Collection[QWidget] = (),
        show: Collection[QWidget] = (),
        caps: dict[QWidget, int] | None = None,
    ) -> list[Row]:
        caps = self.caps if caps is None else caps
        rows: list[Row] = [[]]
        x = 0
        for item in self._items:
            widget = item.widget()
            if widget in hide or (item.isEmpty() and widget not in show):
                continue
            # a hidden widget's item is 0 x 0: one shown by `show` is measured itself
            hint = widget.sizeHint() if item.isEmpty() and widget is not None else item.sizeHint()
            cap = caps.get(widget, width) if widget is not None else width
            shown = min(hint.width(), cap, width)  # wider than the bar: cut, alone
            if rows[-1] and x + shown > width:
                rows.append([])
                x = 0
            rows[-1].append((item, QSize(shown, hint.height())))
            x += shown + ITEM_GAP
        return [row for row in rows if row]

    @staticmethod
    def _row_height(row: Row) -> int:
        return max((size.height() for _item, size in row), default=0)

    def _height(self, rows: list[Row]) -> int:
        """The height `rows` take, one under another."""
        return max(sum(self._row_height(row) + ROW_GAP for row in rows) - ROW_GAP, 0)

    def _place(self, rect: QRect) -> None:
        """Lay the shown widgets out in rows within `rect`, each centred on its row's height."""
        y = rect.y()
        for row in self._rows(rect.width()):
            height = self._row_height(row)
            x = rect.x()
            for item, size in row:
                item.setGeometry(QRect(QPoint(x, y + (height - size.height()) // 2), size))
                x += size.width() + ITEM_GAP
            y += height + ROW_GAP


class WrappingStatusBar(QStatusBar):
    """QStatusBar's API over one flowing area, so no status text is ever cut short."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.area = QWidget(self)
        self.area.setObjectName("status_area")
        self.area.setAutoFillBackground(True)  # Qt's own message painting stays underneath
        self.flow = FlowLayout(self.area)
        self.setAccessibleName("Status")
        self.message_label = ElidedLabel("Message", self.area)
        self.message_label.setObjectName("status_message")
        self.message_label.setContentsMargins(6, 0, 12, 0)
        self.message_label.hide()
        self._normal: list[QWidget] = [self.message_label]
        self._permanent: list[QWidget] = []
        self._yielding: list[QWidget] = []  # hidden while a message shows, in its place
        self._yielded: list[QWidget] = []  # those a message hid: shown again after it
        super().addPermanentWidget(self.area, 1)
        self.messageChanged.connect(self._show_message)

    # --- QStatusBar's API, kept ---------------------------------------------------------
    def addWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        self._normal.insert(len(self._normal) - 1, widget)  # before the temporary message
        self._reflow()

    def insertWidget(self, index: int, widget: QWidget, stretch: int | None = 0) -> int:
        index = max(0, min(index, len(self._normal) - 1))
        self._normal.insert(index, widget)
        self._reflow()
        return index

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        self._permanent.append(widget)
        self._reflow()

    def insertPermanentWidget(self, index: int, widget: QWidget, stretch: int | None = 0) -> int:
        index = max(0, min(index, len(self._permanent)))
        self._permanent.insert(index, widget)
        self._reflow()
        return index

    def removeWidget(self, widget: QWidget) -> None:
        for widgets in (self._normal, self._permanent):
            if widget in widgets:
                widgets.remove(widget)
        widget.hide()
        self._reflow()

    def widgets(self) -> list[QWidget]:
        """Every widget in reading order (for tests and the accessibility audit)."""
        order = self._normal + self._permanent
        if self._yielding and self._yielding[0] in order:  # a message shows in their place
            order.remove(self.message_label)
            order.insert(order.index(self._yielding[0]), self.message_label)
        return order

    def give_way_to_messages(self, *widgets: QWidget) -> None:
        """`widgets` (already added) are hidden while a temporary message shows, which takes
        their place: the texts that matter least, so a message never adds a line."""
        self._yielding = list(widgets)
        self._reflow()

    # --- inside ----------------------------------------------------------------------------
    def _reflow(self) -> None:
        for widget in self.widgets():
            if widget.parent() is not self.area:
                # as QStatusBar does: shown unless a feature hid it on purpose before adding it
                hidden = widget.isHidden() and widget.testAttribute(
                    Qt.WidgetAttribute.WA_WState_ExplicitShowHide
                )
                widget.setParent(self.area)
                widget.setVisible(not hidden)
        order = self.widgets()
        for widget in order:  # the children in flow order: a screen reader's order too
            widget.raise_()
        self.flow.set_widgets(order)

    def _show_message(self, text: str) -> None:
        if not text:
            self.message_label.hide()
            self.message_label.setText("")
            self.flow.caps.clear()
            self.flow.height_as = None
            self.flow.invalidate()
            for widget in self._yielded:
                widget.show()
            self._yielded = []
            return
        if not self._yielded:
            self._yielded = [w for w in self._yielding if not w.isHidden()]
        self.message_label.setText(text)
        self._fit_message()

    def _fit_message(self) -> None:
        """Show the message where the yielding texts were, cut to the widest it can be
        without taking more lines than the bar has without it."""
        width = self.area.width()
        message = self.message_label
        lines = self.flow.rows(width, show=self._yielded, hide=[message], caps={})
        full = message.sizeHint().width()
        least, most = min(MESSAGE_LEAST, full), full
        while least < most:  # the widest width that keeps to `lines`
            middle = (least + most + 1) // 2
            held: dict[QWidget, int] = {message: middle}
            if self.flow.rows(width, hide=self._yielded, show=[message], caps=held) <= lines:
                least = middle
            else:
                most = middle - 1
        self.flow.caps = {message: least}
        self.flow.height_as = ([message], list(self._yielded))
        for widget in self._yielded:
            widget.hide()
        message.show()
        self.flow.invalidate()
        self.flow.activate()  # placed now: a pending relayout may have run before the caps
        self.area.updateGeometry()  # and the bar's cached height for the area asked again

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.message_label.isVisibleTo(self):
            self._fit_message()  # more or less room: the message is cut again to fit
