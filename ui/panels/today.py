"""Today: who is out now (the live tracker), what is later today, what awaits approval or a write-up.

'Out now' is the live tracker: every visit out, its staff, address, state, what is due next with a
live countdown, and its level (icon and word as well as colour), most urgent first, with the
one-click actions for the selected visit. Without a tracker attached (before the feature is
installed) it still shows the same board, read once.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import london
from hvdesk.models import Visit, VisitStatus
from hvdesk.rules import deadlines as dl
from hvdesk.rules.actions import Action, Facts, allowed_actions, verdict
from hvdesk.services.tracker import Board, BoardRow, StartupReport, TrackerService
from hvdesk.services.visits import VisitQueries
from ui.a11y import ValueLabel, fit_columns, ink, splitter_in_reading_order, tab_leaves
from ui.folding_note import FoldingNote
from ui.models.table import ObjectRole, RowTableModel
from ui.tracker import keys
from ui.tracker.board import BoardModel
from ui.visit_columns import visit_columns

if TYPE_CHECKING:
    from ui.tracker.controller import TrackerController
    from ui.worker import Worker

TITLE_STYLE = "font-weight: bold; font-size: 13pt;"
LIST_RETRY_MS = 30_000  # a failed read of the lists is tried again this long after


def _table(model: QAbstractItemModel, name: str) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    return tab_leaves(table)


def _keep_rows(view: QTableView, rows: int, scroll_bar: bool = True) -> None:
    """The view never smaller than its header and `rows` whole rows (and its scroll bar, for a
    view whose columns may not fit)."""
    row = view.verticalHeader().defaultSectionSize()
    bar = view.horizontalScrollBar().sizeHint().height() if scroll_bar else 0
    header = view.horizontalHeader().sizeHint().height()
    view.setMinimumHeight(header + rows * row + bar + 2 * view.frameWidth())


def _alarm_line(reason: str, about: str, owner: str) -> str:
    """One alarm for a seat that cannot handle alarms: what, about whom, and who has it."""
    line = f"ALARM: {html.escape(reason)} — {html.escape(about)}"
    return line + (f" ({html.escape(owner)} is handling this)" if owner else "")


def _tip(keyed: str, reason: str) -> str:
    """A button's tooltip: what it does and its key, then why it is not offered now (if not)."""
    return f"{keyed}\n{reason}" if reason else keyed


def _section(title: QLabel, *widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(title)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class TodayPanel(QWidget):
    """Given a worker (the main window's), built without reading: first_load() reads, at the
    window's start; without one, it reads as it is built."""

    def __init__(self, queries: VisitQueries, parent=None, worker: Worker | None = None) -> None:
        super().__init__(parent)
        self.queries = queries
        self.worker = worker
        self.controller: TrackerController | None = None
        self._now: datetime = queries.clock.now()
        self._loading = self._load_again = False  # the lists' background read
        self._at_once = False  # the window's start without a worker: the lists read here
        self._lists_unread = False  # the last read failed: read again when the database answers
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.read_lists_again)

        out_box = self._build_out_now()
        later_box = self._build_lists()
        self._lay_out(out_box, later_box)
        if worker is None:
            self.refresh()
        else:
            self._show_loading()

    def _show_loading(self) -> None:
        """Built before the first read: say so where the figures will be."""
        self.next_alarm.setText("Loading…")
        self._say_in_titles("loading…")

    def _say_in_titles(self, words: str) -> None:
        for title, text in (
            (self.later_title, "LATER TODAY"),
            (self.approval_title, "AWAITING APPROVAL"),
            (self.writeup_title, "OUTCOMES TO WRITE UP"),
        ):
            title.setText(f"{text} ({words})")

    def first_load(self, on_worker: bool) -> None:
        """The window has started: the lists (and the board, with no tracker to give it), read on
        the worker when on_worker (the window is on screen meanwhile), else at once."""
        if not on_worker or self.worker is None:  # at once, a tracker attached or not
            self._at_once = True
            try:
                self.refresh()
            finally:
                self._at_once = False
            return
        now = self.queries.clock.now()
        if self.controller is None:
            board = TrackerService(self.queries.db, self.queries.clock)
            self.worker.submit(lambda: board.board(now), self._show_board)
        self._loading = True
        self.worker.submit(lambda: self._load_lists(now), self._lists_loaded, self._lists_failed)

    # --- building ------------------------------------------------------------------------
    def _build_out_now(self) -> QWidget:
        """'Out now': the header, the notes above the board, the board, its action buttons."""
        self.out_title = ValueLabel("Out now", "OUT NOW")
        self.out_title.setStyleSheet(TITLE_STYLE)
        self.next_alarm = ValueLabel("Next alarm")
        self.next_alarm.setStyleSheet("font-size: 12pt;")
        header = QHBoxLayout()
        header.addWidget(self.out_title)
        header.addStretch(1)
        header.addWidget(self.next_alarm)
        self._out_header = header  # the action hint joins it (_build_actions): a line saved
        self._build_notes()
        self._build_board()
        self._build_actions()
        # A visiting member of staff cannot handle alarms: they see them here, read-only.
        self.alarms_readonly = FoldingNote(
            "Open alarms (the office handles them)", "#7a0014", "#fde7ea"
        )
        self.alarms_readonly.hide()

        out_box = QWidget()
        out_layout = QVBoxLayout(out_box)
        out_layout.setContentsMargins(0, 0, 0, 0)
        out_layout.addLayout(header)
        out_layout.addWidget(self.startup_banner)
        out_layout.addWidget(self.wait_notice)
        out_layout.addWidget(self.alarms_readonly)
        out_layout.addWidget(self.board_view, 1)
        out_layout.addWidget(self.action_bar)
        return out_box

    def _build_notes(self) -> None:
        """The notes above the board: the start-up note and the wait for parents."""
        # the notes above the board take one line each ('Show' opens the details): at 1280x800
        # and 125% the start-up note alone left 'Out now' one row
        self.startup_banner = FoldingNote(
            "Overdue while hvdesk was not running", "#5c3a00", "#fff4d6", "#8a5a00"
        )
        self.startup_banner.add_action("Dismiss", "dismiss", "Dismiss the start-up note")
        self.startup_banner.hide()
        self.startup_banner.linkActivated.connect(lambda _link: self.startup_banner.hide())
        self.wait_notice = FoldingNote("Wait for parents is over", "#5c3a00", "#ffe8a3", "#8a5a00")
        self.wait_notice.add_action(
            "Cancel the visit", "cancel", "Cancel the visit: parent not present"
        )
        self.wait_notice.add_action("Keep waiting", "wait")
        self.wait_notice.hide()
        self.wait_notice.linkActivated.connect(self._wait_link)
        self._waiting_visit: Visit | None = None

    def _build_board(self) -> None:
        """The 'Out now' board: a visit a row, two lines a row, a row kept for each visit out."""
        self.board_model = BoardModel(self)
        self.out_model = self.board_model  # the 'Out now' rows, by the name other screens know
        self.board_view = _table(self.board_model, "Out now: visits being tracked")
        head = self.board_view.horizontalHeader()
        head.setStretchLastSection(False)
        # Sized when the board changes, not on every countdown tick (that would measure every row
        # every second).
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setResizeContentsPrecision(60)  # sizing measures the first rows, not all 200
        head.setSectionResizeMode(BoardModel.NEXT, QHeaderView.ResizeMode.Stretch)
        # Two lines a row: the household over its street, and room for the alarm's owner.
        self.board_view.setWordWrap(True)
        self.board_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        line = self.board_view.fontMetrics().lineSpacing()
        self.board_view.verticalHeader().setDefaultSectionSize(2 * line + 6)
        # a row for each visit out, up to six, once the board is known (_show_board)
        _keep_rows(self.board_view, 1, scroll_bar=False)
        self._next_alarm_at: datetime | None = None
        self._overdue = 0
        self._board_shown = False  # 'Loading…' stays until the first board
        self.board_view.doubleClicked.connect(lambda _i: self._open_alarm())
        self.board_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    def _build_actions(self) -> None:
        """One button per tracker action, offered when the one rule allows it for the row."""
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        # Each button is offered exactly when the one rule (rules/actions.py) allows its action.
        specs: list[tuple[str, str, Action | None]] = [
            ("arrive", "Arrived", Action.ARRIVE),
            ("check_in", "Check in OK", Action.CHECK_IN),
            ("left", "Left property", Action.LEFT_PROPERTY),
            ("returned", "Returned to school", Action.RETURNED),
            ("late", "Running late…", Action.RUNNING_LATE),
            ("duress", "Duress!", Action.DURESS),
            ("call_ok", "Office call: answered", Action.OFFICE_CALL),
            ("call_none", "Office call: no answer", Action.OFFICE_CALL),
            ("absent", "Parent not present…", Action.PARENT_NOT_PRESENT),
            ("parent_here", "Parent arrived", Action.PARENT_ARRIVED),
            ("cancel_absent", "Cancel: parent not present", Action.CANCEL_PARENT_ABSENT),
            ("alarm", "Open alarm", None),
        ]
        self._rule: dict[str, Action | None] = {}
        # the tooltip says the key (the same key works from anywhere in hvdesk)
        self._key_tip: dict[str, str] = {}
        for i, (key, text, action) in enumerate(specs):
            button = QPushButton(text)
            button.setAccessibleName(f"{text.rstrip('…!')} for the selected visit")
            self._key_tip[key] = keys.with_key(f"{text.rstrip('…')} for the selected visit", key)
            button.setToolTip(self._key_tip[key])
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, k=key: self._act(k))
            if key == "duress":
                button.setStyleSheet(
                    f"QPushButton:enabled {{ color: {ink('#b00020')}; font-weight: bold; }}"
                )
            self.buttons[key] = button
            self._rule[key] = action
            grid.addWidget(button, i // 6, i % 6)
        self.action_bar = QWidget()
        self.action_bar.setLayout(grid)
        self.action_hint = ValueLabel("", "Select a visit to record what the staff told you.")
        self._out_header.insertWidget(1, self.action_hint, 1)

    def _build_lists(self) -> QWidget:
        """Later today (with Departed), awaiting approval and outcomes to write up."""
        self.later_model: RowTableModel[Visit] = RowTableModel(visit_columns(with_date=False), self)
        by_title = {c.title: c for c in visit_columns()}
        short = [by_title[t] for t in ("When", "Household", "Staff", "Purpose")]
        self.approval_model: RowTableModel[Visit] = RowTableModel(short, self)
        self.writeup_model: RowTableModel[Visit] = RowTableModel(short, self)
        self.later_title = QLabel()
        self.later_title.setStyleSheet(TITLE_STYLE)
        self.approval_title = QLabel()
        self.approval_title.setStyleSheet(TITLE_STYLE)
        self.writeup_title = QLabel()
        self.writeup_title.setStyleSheet(TITLE_STYLE)
        self.later_view = _table(self.later_model, "Later today")
        self.approval_view = _table(self.approval_model, "Awaiting approval")
        self.writeup_view = _table(self.writeup_model, "Outcomes to write up")
        self.depart_button = QPushButton("Departed")
        self.depart_button.setAccessibleName("Departed: the selected visit has left school")
        self._depart_tip = keys.with_key(
            "Departed: the visit selected in Later today has left school", "depart"
        )
        self.depart_button.setToolTip(self._depart_tip)
        self.depart_button.setEnabled(False)
        self.depart_button.clicked.connect(self._depart)
        self.later_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        later_head = QHBoxLayout()
        later_head.addWidget(self.later_title)
        later_head.addStretch(1)
        later_head.addWidget(self.depart_button)
        later_box = QWidget()
        later_layout = QVBoxLayout(later_box)
        later_layout.setContentsMargins(0, 0, 0, 0)
        later_layout.addLayout(later_head)
        later_layout.addWidget(self.later_view)
        return later_box

    def _lay_out(self, out_box: QWidget, later_box: QWidget) -> None:
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(out_box)
        splitter.addWidget(later_box)
        waiting = QSplitter(Qt.Orientation.Horizontal)  # two short lists side by side
        waiting.addWidget(_section(self.approval_title, self.approval_view))
        waiting.addWidget(_section(self.writeup_title, self.writeup_view))
        waiting.setChildrenCollapsible(False)
        splitter.addWidget(waiting)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([420, 150, 150])
        splitter.setChildrenCollapsible(False)
        # on a short screen (1280x800 at 125%, every note showing) these lists give way to one
        # whole row each before 'Out now' loses one of its rows
        # Later today's columns give way to its width (fit_columns below): no scroll bar to keep
        self.later_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        _keep_rows(self.later_view, 1, scroll_bar=False)
        for view in (self.approval_view, self.writeup_view):
            _keep_rows(view, 1)
        splitter_in_reading_order(splitter)  # Out now first, as shown (Qt lists it last)
        splitter_in_reading_order(waiting)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        # At 1280 px every column stays on screen: the long ones give way (full text in tooltips).
        fit_columns(self.later_view, shrink=[2, 3, 4])  # address, purpose, staff
        for view in (self.approval_view, self.writeup_view):
            fit_columns(view, shrink=[3, 2])  # purpose, staff
        # Tab reads the screen as it is laid out: each table, then the actions for its rows.
        QWidget.setTabOrder(self.later_view, self.depart_button)
        QWidget.setTabOrder(self.depart_button, self.approval_view)

    # --- wiring --------------------------------------------------------------------------
    def attach(self, controller: TrackerController) -> None:
        """Make 'Out now' live: the board after every check, the countdowns every second."""
        self.controller = controller
        controller.board_changed.connect(self._show_board)
        controller.ticked.connect(self._tick)
        controller.parent_wait_over.connect(self._offer_cancel)
        controller.actions.pending_changed.connect(self._update_buttons)  # "Saving …" and back
        controller.started_up.connect(self._show_startup_report)
        if controller.board is not None:
            self._show_board(controller.board)
        if controller.startup_report is not None:
            self._show_startup_report(controller.startup_report)
        self._update_buttons()

    def _show_startup_report(self, report: StartupReport) -> None:
        """What the tracker's start raised (lapsed while hvdesk was not running), if anything."""
        if report.raised:
            raised = len(report.raised)
            self.startup_banner.setText(
                f"<b>Overdue while hvdesk was not running:</b> {raised} "
                + ("alarm" if raised == 1 else "alarms")
                + " raised at start-up",
                "<br>".join(html.escape(line) for line in report.lines()),
            )
            self.startup_banner.show()

    def refresh(self) -> None:
        """The lists again: read on the window's worker once a tracker is attached (a change from
        another seat never freezes the window), at once before that (the first paint)."""
        now = self.queries.clock.now()
        if self.controller is None:  # with a tracker attached, its board_changed paints the board
            self._show_board(TrackerService(self.queries.db, self.queries.clock).board(now))
        worker = self.controller.live.worker if self.controller and self.controller.live else None
        if worker is None or self._at_once:
            self._show_lists(self._load_lists(now))
        elif self._loading:  # one read at a time; a request meanwhile is answered by one more
            self._load_again = True
        else:
            self._loading, self._load_again = True, False
            worker.submit(lambda: self._load_lists(now), self._lists_loaded, self._lists_failed)

    def _lists_loaded(self, lists: tuple[list[Visit], list[Visit], list[Visit]]) -> None:
        self._loading = self._lists_unread = False
        self._retry.stop()
        self._show_lists(lists)
        if self._load_again:
            self.refresh()

    def _lists_failed(self, message: str) -> None:
        """Not answering: the lists stay as they were, the titles say they were not read (the
        status bar says the database is down); read again if asked meanwhile, when the database
        answers again (read_lists_again), or after LIST_RETRY_MS."""
        self._loading, self._lists_unread = False, True
        self._say_in_titles("not read, trying again")
        if self._load_again:
            self.read_lists_again()
        else:
            self._retry.start(LIST_RETRY_MS)

    def read_lists_again(self) -> None:
        """The database answers again: the lists, if their last read failed, on a worker."""
        worker = self.controller.live.worker if self.controller and self.controller.live else None
        worker = worker or self.worker
        if not self._lists_unread or self._loading or worker is None:
            return
        self._retry.stop()
        now = self.queries.clock.now()
        self._loading, self._load_again = True, False
        worker.submit(lambda: self._load_lists(now), self._lists_loaded, self._lists_failed)

    def _load_lists(self, now: datetime) -> tuple[list[Visit], list[Visit], list[Visit]]:
        """Later today, awaiting approval, write-ups: database reads only (runs on the worker)."""
        day = [
            v
            for v in self.queries.on_day(london(now).date())
            if v.start >= now or v.status == VisitStatus.APPROVED
        ]
        later = [
            v
            for v in day
            if v.status not in (VisitStatus.CANCELLED, VisitStatus.REJECTED)
            and not dl.is_tracked(v)
            and v.departed_at is None
        ]
        awaiting = self.queries.with_status(VisitStatus.AWAITING_APPROVAL)
        writeups = self.queries.with_status(VisitStatus.RETURNED)
        return later, awaiting, writeups

    def _show_lists(self, lists: tuple[list[Visit], list[Visit], list[Visit]]) -> None:
        later, awaiting, writeups = lists
        self.later_model.set_rows(later)
        self.approval_model.set_rows(awaiting)
        self.writeup_model.set_rows(writeups)
        self.later_title.setText(f"LATER TODAY ({len(later)})")
        self.approval_title.setText(f"AWAITING APPROVAL ({len(awaiting)})")
        self.writeup_title.setText(f"OUTCOMES TO WRITE UP ({len(writeups)})")
        self._update_buttons()

    # --- the board -----------------------------------------------------------------------
    def _show_board(self, board: Board) -> None:
        selected = self.selected_row()
        now = self.queries.clock.now()
        self._now = now
        self._board_shown = True
        touched = board.touched
        if touched is not None and self.board_model.update_rows(board, touched, now):
            self._show_changed_rows(board, now)  # one change: just its rows
            return
        self.board_model.set_board(board, now)
        self._show_readonly_alarms(board)
        for column in (
            BoardModel.LEVEL,
            BoardModel.VISIT,
            BoardModel.STAFF,
            BoardModel.STATE,
            BoardModel.COUNTDOWN,
            BoardModel.CONTACT,
        ):
            self.board_view.resizeColumnToContents(column)
        self.out_title.setText(f"OUT NOW ({len(board.rows)})")
        # the board keeps a row for each visit out, up to six, whatever shows above it
        # (its 'Next' column takes the width left: no scroll bar at 1280 px)
        _keep_rows(self.board_view, max(1, min(6, len(board.rows))), scroll_bar=False)
        self._next_alarm_at = board.next_alarm_at(now)
        self._overdue = sum(level >= dl.Level.RED for level in self.board_model.levels())
        if selected is not None:
            self.select_visit(selected.visit.id)
        self._tick(now)
        self._update_buttons()

    def _show_changed_rows(self, board: Board, now: datetime) -> None:
        """After one change: the counters and notes that depend on every row, nothing re-measured."""
        self._show_readonly_alarms(board)
        self._next_alarm_at = board.next_alarm_at(now)
        self._overdue = sum(level >= dl.Level.RED for level in self.board_model.levels())
        self._update_buttons()

    def _tick(self, now: datetime) -> None:
        """Every second: the countdowns only (levels change at deadlines, with a new board)."""
        self._now = now
        self.board_model.tick(now)
        if not self._board_shown:
            return
        nxt = self._next_alarm_at
        text = (
            f"next alarm in {dl.clock_text((nxt - now).total_seconds())}"
            if nxt is not None and nxt > now
            else ""
        )
        if self._overdue:
            text = f"‼ {self._overdue} overdue" + (f"   {text}" if text else "")
        if text != self.next_alarm.text():
            self.next_alarm.setText(text)

    def selected_row(self) -> BoardRow | None:
        rows = self.board_view.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def selected_later(self) -> Visit | None:
        rows = self.later_view.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def select_visit(self, visit_id: int) -> bool:
        row = self.board_model.row_of(visit_id)
        if row < 0:
            return False
        self.board_view.selectRow(row)
        return True

    def _show_readonly_alarms(self, board: Board) -> None:
        """On a seat that cannot handle alarms (visiting staff): list them, say who handles them."""
        if self.controller is None or self.controller.handles_alarms:
            self.alarms_readonly.hide()
            return
        lines = [  # (whom, the line)
            (
                row.visit.household.name,
                _alarm_line(a.reason, row.visit.household.name, a.acknowledged_by),
            )
            for row in board.rows
            for a in row.open_alarms
            if a.visit_id is not None  # an alarm about a person is listed once, below
        ]
        lines += [  # about a person with no one visit: named, wherever they are
            (d.person.name, _alarm_line(d.alarm.reason, d.person.name, d.alarm.acknowledged_by))
            for d in board.person_alarms
            if d.person is not None
        ]
        about = ", ".join(dict.fromkeys(who for who, _line in lines))
        self.alarms_readonly.setText(
            f"‼ {len(lines)} open {'alarm' if len(lines) == 1 else 'alarms'}: {html.escape(about)}."
            " The office handles alarms.",
            "<br>".join(line for _who, line in lines),
        )
        self.alarms_readonly.setVisible(bool(lines))

    def _update_buttons(self) -> None:
        """Each button as the rule allows for the selected row, off while its action is being
        saved; the hint says what is being saved, else whom the buttons record for."""
        row = self.selected_row()
        live = self.controller is not None
        acts = self.controller.actions if self.controller is not None else None
        pending = acts.pending_for(row.visit.id) if acts is not None and row else frozenset()
        verdicts = (
            allowed_actions(
                row.visit,
                Facts(self.queries.clock.now(), parent_wait_until=row.state.parent_wait_until),
            )
            if row is not None
            else {}
        )
        for key, button in self.buttons.items():
            action = self._rule[key]
            if row is None or not live:
                button.setEnabled(False)
            elif action is None:  # 'Open alarm': there is one to open
                button.setEnabled(bool(row.open_alarm_ids or row.drill_alarm_ids))
            else:
                button.setEnabled(verdicts[action].allowed and action not in pending)
                button.setToolTip(_tip(self._key_tip[key], verdicts[action].reason))
        if self.controller is not None and not self.controller.handles_alarms:
            self.buttons["alarm"].setEnabled(False)
        saving = acts.saving_text_for(row.visit.id) if acts is not None and row else ""
        if saving:
            self.action_hint.setText(saving)
        elif row is not None:
            self.action_hint.setText(
                f"Record for {row.visit.household.name} ({row.visit.staff_names}):"
            )
        else:
            self.action_hint.setText("Select a visit to record what the staff told you.")
        later = self.selected_later()
        leave = verdict(Action.DEPART, later, Facts(self.queries.clock.now())) if later else None
        self.depart_button.setEnabled(
            live
            and leave is not None
            and leave.allowed
            and (acts is None or later is None or Action.DEPART not in acts.pending_for(later.id))
        )
        self.depart_button.setToolTip(
            _tip(self._depart_tip, leave.reason if leave is not None else "")
        )

    # --- presses -------------------------------------------------------------------------
    def _act(self, key: str) -> None:
        row = self.selected_row()
        if row is None or self.controller is None:
            return
        actions = self.controller.actions
        visit, vid = row.visit, row.visit.id
        {
            "arrive": lambda: actions.arrive(vid, self),
            "check_in": lambda: actions.check_in(vid, self),
            "parent_here": lambda: actions.check_in(vid, self, parent_arrived=True),
            "call_ok": lambda: actions.office_call(vid, True, self),
            "call_none": lambda: actions.office_call(vid, False, self),
            "left": lambda: actions.left_property(vid, self),
            "returned": lambda: actions.returned(vid, self),
            "late": lambda: actions.running_late(visit, self),
            "absent": lambda: actions.parent_not_present(visit, self),
            "cancel_absent": lambda: actions.cancel_parent_absent(visit, self),
            "duress": lambda: actions.duress(vid, self),
            "alarm": self._open_alarm,
        }[key]()

    def _offer_cancel(self, row: BoardRow) -> None:
        """The wait for parents is over: offer the cancellation (the policy's next step)."""
        self._waiting_visit = row.visit
        self.wait_notice.setText(
            f"! <b>Parents not present</b> at {html.escape(row.visit.household.name)} "
            f"({html.escape(row.visit.staff_names)}): the wait is over."
        )
        self.wait_notice.show()

    def _wait_link(self, link: str) -> None:
        visit, self._waiting_visit = self._waiting_visit, None
        self.wait_notice.hide()
        if link == "cancel" and visit is not None and self.controller is not None:
            self.controller.actions.cancel_parent_absent(visit, self)

    def _open_alarm(self) -> None:
        row = self.selected_row()
        if row is None or self.controller is None:
            return
        for alarm_id in row.open_alarm_ids + row.drill_alarm_ids:
            self.controller.show_alarm(alarm_id)

    def _depart(self) -> None:
        visit = self.selected_later()
        if visit is not None and self.controller is not None:
            self.controller.actions.depart(visit.id, self)
