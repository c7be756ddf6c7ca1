"""What a screen reader and a keyboard user need from our widgets, in one place.

NVDA and Orca read a label by its accessible name. A label that carries a value (an address, a
time, 'Monitoring: ON') must therefore be named with that value, not only with its field: a
ValueLabel keeps its name 'Field: value' whenever its text changes. Tables must let Tab leave them
for their actions, a new alarm is announced, and keyboard focus is always visible.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSize, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAccessibleEvent,
    QAction,
    QBrush,
    QColor,
    QGuiApplication,
    QKeyEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QToolButton,
    QWidget,
)

# our own accessible interfaces (alarm windows, drop-downs) live apart
from ui.a11y_interfaces import ALERT_PROPERTY as ALERT_PROPERTY
from ui.a11y_interfaces import install_interfaces as install_interfaces
from ui.a11y_interfaces import mark_as_alert as mark_as_alert

# the value labels live apart (the sign-in dialog loads only them); every screen imports them here
from ui.value_label import ValueLabel as ValueLabel
from ui.value_label import plain_text as plain_text
from ui.value_label import value_name as value_name

# Item views draw no focus ring of their own when whole rows are selected: a clear border instead.
FOCUS_STYLE = (
    "QAbstractItemView:focus { border: 2px solid #1a5fb4; }"
    " QAbstractItemView::item:focus { border: 1px dashed #1a5fb4; }"
)


V = TypeVar("V", bound=QAbstractItemView)


def field_label(text: str, field: QWidget) -> QLabel:
    """A label shown before a field and tied to it (its buddy): Orca says a drop-down's field
    only from the label it is the buddy of (on Linux Qt names a drop-down by its choice, so
    'Status filter' was said as 'All statuses combo box'); Alt+the underlined letter goes to it."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


def name_clear_button(edit: QLineEdit, name: str) -> None:
    """The little clear button inside a search box says what it does."""
    for action in edit.findChildren(QAction):
        if action.objectName() == "_q_qlineeditclearaction":
            action.setToolTip(name)
    for button in edit.findChildren(QToolButton):
        button.setAccessibleName(name)


class _SelectOnFocus(QObject):
    """Tabbing into a table with nothing selected selects the row under the focus mark, so the
    actions for it are ready (Qt only moves its focus mark there, selecting nothing)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        rows = QAbstractItemView.SelectionBehavior.SelectRows
        if (
            event.type() == QEvent.Type.FocusIn
            and isinstance(obj, QAbstractItemView)
            and obj.selectionBehavior() == rows
        ):
            selection = obj.selectionModel()
            model = obj.model()
            if selection is not None and model is not None and not selection.hasSelection():
                row = max(obj.currentIndex().row(), 0)
                if model.rowCount() > row:
                    obj.selectionModel().select(
                        model.index(row, 0),
                        QItemSelectionModel.SelectionFlag.ClearAndSelect
                        | QItemSelectionModel.SelectionFlag.Rows,
                    )
                    obj.setCurrentIndex(model.index(row, 0))
        return False


def tab_leaves(view: V) -> V:
    """Tab moves on to the next control (the arrow keys move inside the table); focus shows."""
    view.setTabKeyNavigation(False)
    if not view.styleSheet():
        view.setStyleSheet(FOCUS_STYLE)
    view.installEventFilter(_SelectOnFocus(view))
    return view


class _FitColumns(QObject):
    def __init__(self, view: QAbstractItemView, shrink: list[int], floor: int) -> None:
        super().__init__(view)
        self.view, self.shrink, self.floor = view, shrink, floor

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        """Every column on screen: the columns named give way, each in proportion to its width,
        eliding their text (the full text is in the tooltip), before the table scrolls sideways."""
        view = self.view
        if not isinstance(view, QTableView):
            return
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)  # widened by hand below: a stretched one can overrun
        view.resizeColumnsToContents()
        columns = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        room = view.viewport().width()
        bar = view.verticalScrollBar()
        if not bar.isVisible():  # keep room for it: rows added later must not bring a sideways bar
            room -= bar.sizeHint().width()
        excess = sum(header.sectionSize(c) for c in columns) - room
        if excess < 0 and columns:  # room to spare: the last column takes it
            last = columns[-1]
            header.resizeSection(last, header.sectionSize(last) - excess)
            return
        spare = {c: max(0, header.sectionSize(c) - self.floor) for c in self.shrink}
        total = sum(spare.values())
        for column, extra in spare.items():
            if total:
                cut = min(extra, -(-excess * extra // total))  # rounded up: nothing left over
                header.resizeSection(column, header.sectionSize(column) - cut)


def fit_columns(view: QTableView, shrink: list[int], floor: int = 90) -> None:
    """Size the columns to their contents but never wider than the table: see _FitColumns."""
    fitter = view.findChild(_FitColumns)
    if fitter is None:
        fitter = _FitColumns(view, shrink, floor)
        view.viewport().installEventFilter(fitter)
        model = view.model()
        if model is not None:  # new rows may be wider: fit again
            model.modelReset.connect(fitter.fit)
            model.layoutChanged.connect(fitter.fit)
    fitter.fit()


def in_reading_order(*widgets: QWidget) -> None:
    """Have screen readers meet these sibling widgets in the order given (top to bottom, left to
    right): Qt's AT-SPI and MSAA trees list a widget's children in the order they were parented,
    and a QSplitter even lists its panes last first. Raising each in turn moves it to the end of
    its parent's children; siblings that do not overlap look the same."""
    for widget in widgets:
        widget.raise_()


def splitter_in_reading_order(splitter: QSplitter) -> None:
    """A splitter's panes (each after its handle) in the order they are shown."""
    for i in range(splitter.count()):
        pane = splitter.widget(i)
        if pane is not None:
            in_reading_order(splitter.handle(i), pane)


def announce(widget: QWidget, text: str, urgent: bool = True) -> None:
    """Have a screen reader say `text` now (an alarm), and flag the window as an alert."""
    if not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(
        QAccessible.AnnouncementPoliteness.Assertive
        if urgent
        else QAccessible.AnnouncementPoliteness.Polite
    )
    QAccessible.updateAccessibility(event)
    if urgent:
        QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))


class ElidedLabel(QLabel):
    """One line that gives way on a narrow or scaled screen: cut with '…', never pushing its
    neighbours (the status bar's counts) off; the whole text in its tooltip, its accessible name
    and text()."""

    def __init__(
        self,
        field: str,
        parent: QWidget | None = None,
        *,
        keep_parts: int = 0,
        text_tooltip: bool = True,
    ) -> None:
        """`keep_parts`: the first parts (split at ', ') are never cut ('5 out now, 2 overdue');
        `text_tooltip`: False where the tooltip says something else (who is out)."""
        super().__init__(parent)
        self.field, self._full = field, ""
        self.keep_parts, self.text_tooltip = keep_parts, text_tooltip

    def setText(self, text: str) -> None:
        if text == self._full and self.accessibleName():
            return
        self._full = text
        if self.text_tooltip:
            self.setToolTip(text)
        self.setAccessibleName(value_name(self.field, text))
        self._elide()

    def text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:
        """The whole text's width, given when there is room."""
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QSize(width + 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        """A few letters and '…' when there is not."""
        margins = self.contentsMargins()
        kept = ", ".join(self._full.split(", ")[: self.keep_parts])
        shown = f"{kept}, …" if kept and kept != self._full else kept or "Abc…"
        least = self.fontMetrics().horizontalAdvance(shown) + margins.left() + margins.right() + 2
        return QSize(min(least, self.sizeHint().width()), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        elided = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        super().setText(elided)


LAST_RESULT = "last_result"  # the status bar's label for what just happened


def tell_in_status_bar(widget: QWidget, text: str) -> None:
    """What just happened, in the main window's status bar and said by a screen reader.

    A result written on a screen that is not shown (the Calendar's message line while Today is in
    front) is neither seen nor heard: the status bar is always on screen. Its own label, not a
    status bar message: a message would hide Monitoring and the counts while it shows.
    """
    window = widget.window()
    if isinstance(window, QMainWindow):
        bar = window.statusBar()
        label = bar.findChild(ElidedLabel, LAST_RESULT)
        if label is None:
            label = ElidedLabel("Last action")
            label.setObjectName(LAST_RESULT)
            label.setContentsMargins(6, 0, 12, 0)
            bar.addWidget(label, 1)
        label.setText(text)
    announce(window, text, urgent=False)


# The weekday follows the date: a date typed whole ('3/12/2026') fills day, month and year.
DATE_FORMAT = "dd/MM/yyyy (ddd)"
SEPARATORS = "/.-"


class DateEdit(QDateEdit):
    """A date box that takes a whole date typed at once and that Tab leaves in one press.

    Qt's date box moves between its day, month and year on Tab and on a typed separator, and moves
    on by itself once a part is complete: typing '03/12/2026' would skip the month. Here the
    separator right after such a move is taken as already typed, and Tab goes to the next control
    (Left and Right move between the parts).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DATE_FORMAT)
        self._moved_on = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        typed = event.text()
        if typed and typed in SEPARATORS and self._moved_on:
            self._moved_on = False
            event.accept()
            return
        if typed and typed in SEPARATORS and typed != "/":  # 3.12.2026 and 3-12-2026 too
            event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Slash, event.modifiers(), "/")
        before = self.currentSectionIndex()
        super().keyPressEvent(event)
        self._moved_on = typed.isdigit() and self.currentSectionIndex() > max(before, 0)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            plain_tab = not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            )
            if plain_tab and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                QWidget.focusNextPrevChild(self, event.key() == Qt.Key.Key_Tab)
                return True
        return super().event(event)


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in (color.redF(), color.greenF(), color.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast between two colours (1 to 21; text needs 4.5, large or bold text 3)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ink(color: str, *, on_items: bool = False) -> str:
    """A text colour for a stylesheet that stays readable in the user's theme: the colour asked
    for on an ordinary light background, the theme's own text colour where it would not read
    (a Windows high-contrast theme's black background under dark red, say). `on_items`: text in
    a table or list, drawn on the theme's Base colour rather than the window's."""
    palette = QGuiApplication.palette()
    ground, text = (
        (QPalette.ColorRole.Base, QPalette.ColorRole.Text)
        if on_items
        else (QPalette.ColorRole.Window, QPalette.ColorRole.WindowText)
    )
    if contrast_ratio(QColor(color), palette.color(ground)) >= 4.5:
        return color
    return palette.color(text).name()


def item_ink(value: object) -> QColor | None:
    """A model's text colour (a visit's status, a risk level) that reads on the theme's table
    background: dark blue on a high-contrast theme's black is 2.7:1, so the theme's text instead."""
    if isinstance(value, QBrush):
        value = value.color()
    if not isinstance(value, (QColor, str)):
        return None
    return QColor(ink(QColor(value).name(), on_items=True))
