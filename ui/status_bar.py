"""A status bar that wraps onto a second line instead of cutting its texts short.

With every warning showing (ALARM SOUND OFF, NO MONITOR, a channel fault, "alarms may be late") the
office's status bar holds more than 1280 pixels of text; a one-line bar must cut something, and a
cut text ("data…", "polic…") is text nobody can read. Here the labels flow left to right and wrap,
so everything is readable at any width and the bar takes a second line only while it needs one.

It is a drop-in QStatusBar: features keep calling addWidget / insertWidget / addPermanentWidget /
insertPermanentWidget; the ordinary widgets come first (Monitoring, the alarm warnings, the
counts) and the permanent ones after them. A temporary message (showMessage, a menu's status
tip) shows in its own label in the flow rather than painted over Monitoring and the counts.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QStatusBar, QWidget, QWidgetItem

ROW_GAP = 2
ITEM_GAP = 4  # between labels, so a coloured badge never touches its neighbour's text


class FlowLayout(QLayout):
    """Widgets in reading order, left to right, wrapping to the next line when the row is full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
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
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """One line holding everything: what the bar would like, not what it needs."""
        shown = [item for item in self._items if not item.isEmpty()]
        width = sum(item.sizeHint().width() for item in shown)
        height = max((item.sizeHint().height() for item in shown), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        """The widest single label's shortest form: the window can still be made narrow."""
        shown = [item for item in self._items if not item.isEmpty()]
        width = max((item.minimumSize().width() for item in shown), default=0)
        height = max((item.minimumSize().height() for item in shown), default=0)
        return QSize(width, height)

    def rows(self, width: int) -> int:
        """How many lines the shown widgets take at this width."""
        return len(self._rows(width))

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, int]]]:
        rows: list[list[tuple[QLayoutItem, int]]] = [[]]
        x = 0
        for item in self._items:
            if item.isEmpty():
                continue
            shown = min(item.sizeHint().width(), width)  # wider than the bar: cut, alone
            if rows[-1] and x + shown > width:
                rows.append([])
                x = 0
            rows[-1].append((item, shown))
            x += shown + ITEM_GAP
        return [row for row in rows if row]

    def _place(self, rect: QRect, *, move: bool) -> int:
        """Lay the shown widgets out in rows within `rect`, each centred on its row's height;
        the height the rows take."""
        rows = self._rows(rect.width())
        y = rect.y()
        for row in rows:
            height = max((item.sizeHint().height() for item, _w in row), default=0)
            x = rect.x()
            for item, width in row:
                if move:
                    own = item.sizeHint().height()
                    item.setGeometry(QRect(QPoint(x, y + (height - own) // 2), QSize(width, own)))
                x += width + ITEM_GAP
            y += height + ROW_GAP
        return max(y - ROW_GAP - rect.y(), 0)


class WrappingStatusBar(QStatusBar):
    """QStatusBar's API over one flowing area, so no status text is ever cut short."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.area = QWidget(self)
        self.area.setObjectName("status_area")
        self.area.setAutoFillBackground(True)  # Qt's own message painting stays underneath
        self.flow = FlowLayout(self.area)
        self.message_label = QLabel(self.area)
        self.message_label.setObjectName("status_message")
        self.message_label.setContentsMargins(6, 0, 12, 0)
        self.message_label.hide()
        self._normal: list[QWidget] = [self.message_label]
        self._permanent: list[QWidget] = []
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
        return self._normal + self._permanent

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
        self.flow.set_widgets(self.widgets())

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
