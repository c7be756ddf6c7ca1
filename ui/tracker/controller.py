"""The tracker controller: keeps the timers armed, the alarms raised and shown, the sound honest.

Flow: the DeadlineScheduler (on a QtScheduler) fires on a worker thread and only emits `woke`
(queued to the GUI thread). When a deadline lapses, `check_later()` re-derives everything from the
database on the background worker (raises the lapsed deadlines, reads the board and the open
alarms); the GUI thread only applies the result: opens / updates / closes one alarm window per open
alarm, re-arms one job per visit and per alarm step timer, and tells the Today panel and the status
bar. So a deadline passing while the database is slow never freezes the window that must show the
alarm. A 1-second tick moves the countdowns and decides whether the sound plays (no database work
on a tick).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from sqlalchemy.exc import SQLAlchemyError

from hvdesk.clock import fmt_time
from hvdesk.rules.deadlines import Level, clock_text
from hvdesk.scheduler import DEFAULT_PROBE_S, DEFAULT_SWEEP_S, DeadlineScheduler, Wake
from hvdesk.services.alarms import HANDLERS, AlarmDetail, AlarmService, Raised
from hvdesk.services.base import Actor
from hvdesk.services.changes import Change
from hvdesk.services.tracker import Board, BoardRow, StartupReport, TrackerService
from ui import dialogs
from ui.tracker.actions import NewAlarm, TrackerActions
from ui.tracker.alarm_window import AlarmWindow
from ui.tracker.qt_scheduler import SafeQtScheduler
from ui.tracker.saving import Outcome, not_recorded, save
from ui.tracker.sound import AlarmSound
from ui.tracker.spare import SpareWindow
from ui.tray import Tray
from ui.worker import Worker

if TYPE_CHECKING:
    from ui.live import LiveFeed
    from ui.services import AppServices

log = logging.getLogger(__name__)

STACK_OFFSET = 36
TICK_MS = 1000
# The last wakes kept (tests, diagnosis): few, so the bound is reached within minutes (200 took the
# first ~100 minutes of an hour's soak to fill and read as growth there)
RECENT_WAKES = 20
# What waits for the start's check (the other screens' install) waits this long at most: a slow
# database must not keep the menus and screens away
AFTER_START_WAIT_MS = 2_000


@dataclass(frozen=True)
class Checked:
    """A tracker check as the worker left it: what it raised and the alarms it read, with the
    whole board (`board`) or just the rows of the visits it re-derived (`ids`, `rows`)."""

    now: datetime
    raised: list[Raised]
    details: list[AlarmDetail]
    board: Board | None = None
    ids: frozenset[int] = frozenset()
    rows: list[BoardRow] = field(default_factory=list)


@dataclass(frozen=True)
class Pressed:
    """A press on an alarm window as the write worker left it: the service's result and the
    alarms of its visit read back in the same job (None when that read failed)."""

    result: object
    details: list[AlarmDetail] | None


def _merged(pending: set[int] | None, ids: set[int]) -> set[int]:
    """Checks asked for while one runs, as one (an empty set: every visit)."""
    if pending is None:
        return set(ids)
    return pending | ids if pending and ids else set()


def _visit_of(detail: AlarmDetail) -> int | None:
    return detail.visit.id if detail.visit is not None else None


class TrackerController(QObject):
    woke = Signal(object)  # Wake, emitted from the scheduler's worker thread
    board_changed = Signal(object)  # Board, after every check
    ticked = Signal(object)  # now, every second
    recorded = Signal()  # the user recorded something: every screen refreshes
    alarm_raised = Signal(int)  # a new alarm window opened (alarm id)
    parent_wait_over = Signal(object)  # BoardRow: the wait for parents has ended: offer to cancel
    closing = Signal(int)  # the window closes with this many writes still being saved
    started_up = Signal(object)  # StartupReport, once the start's check is shown

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        *,
        sweep_s: float = DEFAULT_SWEEP_S,
        probe_s: float | None = None,
        live: LiveFeed | None = None,
        writer: Worker | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.actor = actor
        # Visiting staff cannot take alarms (the service refuses them): no windows, no sound on
        # their seat; Today lists the alarms read-only and says the office handles them.
        self.handles_alarms = actor.role in {r.value for r in HANDLERS}
        self.clock = services.clock
        self.tracker = TrackerService(services.db, services.clock)
        self.alarm_service = AlarmService(services.db, services.clock)
        self.live = live
        if live is not None:  # the policy is read once per window, again only when it changes
            self.tracker.policy_source = live.policy
            self.alarm_service.policy_source = live.policy
        # This seat's own writes (the one-click actions and the alarm windows' presses): on a
        # worker of their own, in the order pressed (ui/tracker/saving.py says why).
        self.writer = writer if writer is not None else Worker(self, finish_queued=True)
        self.actions = TrackerActions(
            self.tracker, self.alarm_service, actor, services.clock, self, writer=self.writer
        )
        self.actions.name_of = self.visit_name
        self.actions.recorded.connect(self._after_action)
        self.actions.alarm_started.connect(self._show_new_alarm)
        self.scheduler = DeadlineScheduler(
            self.clock,
            self._wake_from_worker,
            backend=SafeQtScheduler(self),
            sweep_s=sweep_s,
            # The window's change feed turns every seat's changes into `on_change`; a probe of
            # our own is for use without one.
            probe=self.tracker.change_token if probe_s else None,
            probe_s=probe_s or DEFAULT_PROBE_S,
        )
        self.woke.connect(self._on_wake, Qt.ConnectionType.QueuedConnection)
        self.windows: dict[int, AlarmWindow] = {}
        self.spare = SpareWindow(self._build_window, self)  # built once started, while idle
        self.sound = AlarmSound(self)
        self.tray = Tray(self)
        self.board: Board | None = None
        self._summary: tuple[int, dict[Level, int], datetime | None] | None = None
        self._waits_over: set[int] = set()  # visits whose end of parent wait was announced
        self.db_error = ""
        self.last_check_at: datetime | None = None
        self.startup_report: StartupReport | None = None
        self.started = False
        self.stopped = False
        self.checks = 0
        # Reloads made on the GUI thread so far: a background read started before one of them
        # may be older than what is shown, and is read again rather than shown.
        self._syncs = 0
        # Alarm windows whose press was saved: they say "saving…" until they show it.
        self._saved: set[int] = set()
        # A check on the worker (one at a time), and what to check once it is back: None for
        # nothing, an empty set for everything, else those visits.
        self._checking = False
        self._check_next: set[int] | None = None
        self._publish_pending = False  # a _publish waits for the next event-loop turn
        # New alarms waiting for their window (after the first of a turn): one opens per turn,
        # each from the next spare, so no turn builds a whole window; `_opening`: one is asked.
        self._to_open: dict[int, AlarmDetail] = {}
        self._opening = False
        # The last wakes only (for tests and diagnosis): a week of 30 s sweeps must not pile up.
        self.wakes: deque[Wake] = deque(maxlen=RECENT_WAKES)
        self.can_print = importlib.util.find_spec("ui.print_actions") is not None
        self._start_pending = False  # the start's check is on the worker
        self._after_start: list[Callable[[], None]] = []
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)

    # --- life cycle ----------------------------------------------------------------------
    def start(self, later: bool = False) -> StartupReport | None:
        """Rebuild every timer from the database and raise at once whatever lapsed meanwhile.

        later (the app's start): that check runs on the reader worker, ahead of the screens'
        reads, and the window shows meanwhile ('tracker starting…'); the alarms it finds open
        as soon as it returns. Returns the report when checked here (not later)."""
        self.scheduler.start()
        self.started = True
        if self.handles_alarms:
            self.spare.prepare_later()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        if later and self.live is not None:
            self._start_pending = True
            self._checking = True  # the wakes and changes meanwhile are checked after it
            self.checks += 1
            self.live.worker.submit(self._start_reads, self._started, self._start_failed, 1)
            self.ticker.start()
            self.tick()  # 'starting…' at once in the status bar
            return None
        report = None
        try:
            report = self.tracker.startup()
        except SQLAlchemyError as err:
            self._db_failed(err)
        self.startup_report = report
        self.check("start")
        self.ticker.start()
        self._report_startup(report)
        return report

    def _start_reads(self) -> tuple[StartupReport, Checked]:
        """On the worker: what start() reads, raises and shows (touches no widget)."""
        report, board = self.tracker.start_check(self.clock.now())
        # raised: [] as for the check after a start on this thread (the report says what was)
        return report, Checked(report.now, [], self.alarm_service.details(), board=board)

    def _started(self, result: tuple[StartupReport, Checked]) -> None:
        self._checking = False
        if self.stopped:
            return
        report, checked = result
        self.startup_report = report
        self._apply_check(checked, landed=True)
        self._report_startup(report)
        QTimer.singleShot(0, self._run_after_start)  # the alarm windows it opened paint first
        self._check_queued("start")

    def _start_failed(self, message: str) -> None:
        """Not answering at start: said as for any check; the next wake checks again."""
        self._checking = False
        self._check_next = None
        self._db_failed(message.splitlines()[0])
        self._run_after_start()

    def after_start(self, work: Callable[[], None]) -> None:
        """Run `work` once the start's check is shown (its alarms open first: the GUI thread is
        not busy with it as they come back), or after AFTER_START_WAIT_MS at most."""
        if not self._start_pending:
            work()
            return
        self._after_start.append(work)
        QTimer.singleShot(AFTER_START_WAIT_MS, self._run_after_start)

    def _run_after_start(self) -> None:
        self._start_pending = False
        work, self._after_start = self._after_start, []
        for run in work:
            run()

    def _report_startup(self, report: StartupReport | None) -> None:
        if report is None:
            return
        self.started_up.emit(report)
        if report.raised:
            self.tray.message(
                "Overdue while hvdesk was not running",
                "\n".join(report.lines()[:6]),
            )

    def stop(self) -> None:
        """Stop every timer, the scheduler and the sound; close the alarm windows."""
        if self.stopped:
            return
        self.stopped = True
        app = QApplication.instance()
        if app is not None and self.started:
            with contextlib.suppress(RuntimeError, TypeError):
                app.aboutToQuit.disconnect(self.stop)
        self.ticker.stop()
        self.actions.flush()  # the writes held behind a question are still made
        if self.writer.outstanding:  # said, and waited for while the window still paints
            self.closing.emit(self.writer.outstanding)
        if not self.writer.drain():
            log.warning("%d writes still being saved as hvdesk closes", self.writer.outstanding)
        self.writer.shutdown(0)  # what was pressed is still written (finish_queued)
        self.scheduler.shutdown()
        self.sound.stop()
        self.spare.discard()
        self._to_open.clear()
        for window in list(self.windows.values()):
            window.allow_close()
            window.close()
            window.deleteLater()
        self.windows.clear()
        self.tray.hide()

    @property
    def monitoring(self) -> bool:
        """Timers armed and the database answering: the only time the status bar says ON.

        "Answering" is the change watcher's word as well as this tracker's: one lucky read while
        the watcher still cannot reach the database does not turn monitoring back on."""
        return (
            self.started
            and self.board is not None  # the first check is back
            and not self.stopped
            and self.scheduler.running
            and not self._database_down()
        )

    def _database_down(self) -> bool:
        return bool(self.db_error) or (self.live is not None and self.live.down_since is not None)

    # --- waking --------------------------------------------------------------------------
    def _wake_from_worker(self, wake: Wake) -> None:
        """Runs on APScheduler's worker thread: forward only (a queued signal)."""
        self.woke.emit(wake)

    def _on_wake(self, wake: Wake) -> None:
        if self.stopped:
            return
        self.wakes.append(wake)
        if wake.reason == "probe_failed":
            self._db_failed(wake.error)
            return
        if wake.reason in ("deadline", "sweep") and self.board is not None and not self.db_error:
            lapsed = self._lapsed_visits()
            if lapsed:  # raise just those: the change feed keeps the other rows current
                self.check_later(wake.reason, lapsed)
            else:
                self.refresh_levels()  # amber, due now, a step timer: nothing to write
            return
        self.check_later(wake.reason)

    def _lapsed_visits(self) -> set[int]:
        """The visits of the cached board with a deadline lapsed now: the only ones a wake must
        re-derive from the database. The change feed keeps the board current, so a quiet sweep
        (no clock jump) needs no database work: an idle seat makes no queries."""
        assert self.board is not None
        now = self.clock.now()
        return {row.visit.id for row in self.board.rows if row.state.lapsed(now)}

    def refresh_levels(self) -> None:
        """Levels move on (amber, due now) and the plan with them, from the cached board."""
        if self.board is None:
            return
        now = self.clock.now()
        self.board.touched = None  # every row's level may move
        self._publish(self.board, now)
        self.tick()

    def _db_failed(self, err: object) -> None:
        self.db_error = str(err) or "database not answering"
        self._saved.clear()
        for window in self.windows.values():  # no reload is coming: take presses again
            window.set_saving("")
        self.tick()

    def check(self, reason: str = "") -> list[Raised]:
        """Re-derive everything from the database now, on this thread: raise, show, re-arm,
        refresh (at start-up, before the window shows; the wakes use `check_later`)."""
        if self.stopped:
            return []
        self.checks += 1
        try:
            checked = self._derive(self.clock.now())
        except SQLAlchemyError as err:
            self._db_failed(err)
            return []
        self._apply_check(checked)
        return checked.raised

    def _derive(self, now: datetime, ids: Collection[int] | None = None) -> Checked:
        """The database side of a check (every visit, or just `ids` of the board shown): raise
        what lapsed, read the rows and alarms. Touches no widget and no state of the window, so
        it runs on the worker as well as here."""
        if ids is None:
            raised, board = self.tracker.check(now)
            return Checked(now, raised, self.alarm_service.details(), board=board)
        assert self.board is not None
        raised, rows = self.tracker.check_rows(ids, self.board.policy, now)
        details = self.alarm_service.details(visit_ids=set(ids))
        return Checked(now, raised, details, ids=frozenset(ids), rows=rows)

    def _apply_check(self, checked: Checked, *, landed: bool = False) -> None:
        """Show a check's result: the board (or its re-derived rows), the alarm windows, the
        timers re-armed. GUI thread only; no database work. landed (a check back from the
        worker): when it opens an alarm window, the board's repaint and the re-arming wait for
        the next turn of the event loop, so the window shows and paints first and neither turn
        holds the GUI thread long."""
        self._syncs += 1
        self.db_error = ""
        self.last_check_at = now = checked.now
        scope: frozenset[int] | None = None
        if checked.board is not None:
            checked.board.person_alarms = [d for d in checked.details if d.visit is None]
            self.board = checked.board
        else:
            assert self.board is not None
            self.board.replace(checked.ids, checked.rows, now)
            scope = checked.ids
        opened = self._sync_windows(
            checked.details, checked.raised, now, scope=scope, at_once=not landed
        )
        if landed and opened:
            self._publish_soon()
        else:
            self._publish(self.board, now)
        self.tick()

    def _publish_soon(self) -> None:
        """`_publish` of the board as it is then, in the next turn of the event loop."""
        if self._publish_pending:
            return
        self._publish_pending = True

        def publish() -> None:
            self._publish_pending = False
            if not self.stopped and self.board is not None:
                self._publish(self.board, self.clock.now())

        QTimer.singleShot(0, self, publish)

    def check_later(self, reason: str = "", visit_ids: Iterable[int] | None = None) -> None:
        """The check (of every visit, or just `visit_ids`) on the background worker, ahead of
        the screens' reads; the GUI thread only applies the result. One at a time: what is
        asked meanwhile is checked once more when it is back."""
        if self.stopped:
            return
        ids = set(visit_ids) if visit_ids is not None and self.board is not None else set()
        if self._checking:
            self._check_next = _merged(self._check_next, ids)
            return
        self._checking = True
        self.checks += 1
        started = self._syncs
        worker = self.live.worker if self.live is not None else self.writer

        def done(checked: Checked) -> None:
            self._checking = False
            if self.stopped:
                return
            if self._syncs != started:  # newer shown meanwhile: never go back to this
                self.check_later(reason, ids or None)
            else:
                self._apply_check(checked, landed=True)
            self._check_queued(reason)

        def failed(message: str) -> None:
            self._checking = False
            self._check_next = None
            self._db_failed(message.splitlines()[0])

        worker.submit(
            lambda: self._derive(self.clock.now(), ids or None), done, failed, priority=1
        )

    def _check_queued(self, reason: str) -> None:
        pending, self._check_next = self._check_next, None
        if pending is not None and not self._checking:
            self.check_later(reason, pending or None)
        elif pending is not None:
            self._check_next = pending

    def on_change(self, change: Change) -> None:
        """What the change feed announced: re-derive only the visits it touched."""
        if self.stopped:
            return
        if change.settings or self.board is None or self.db_error:
            self.check_later("policy_changed" if change.settings else "changed")
            return
        if change.visit_ids:  # this seat's press or another seat's: read off the GUI thread
            self._load_visits(set(change.visit_ids))
        if change.loose and change.alarm_ids:
            self._load_person_alarms()  # an alarm about a person names no visit

    def _load_person_alarms(self) -> None:
        """Alarms about a person with no one visit (a safe word texted between visits): read
        off the GUI thread, then opened, updated or closed like any other alarm window."""
        if self.live is None:
            self.check("changed")
            return
        self.live.worker.submit(
            lambda: self.alarm_service.details(without_visit=True),
            self._show_person_alarms,
            lambda message: self._db_failed(message.splitlines()[0]),
        )

    def _show_person_alarms(self, details: list[AlarmDetail]) -> None:
        if self.stopped or self.board is None:
            return
        now = self.clock.now()
        self.board.person_alarms = details
        self._sync_windows(details, [], now, scope={None})
        self._publish(self.board, now)
        self.tick()

    def _load_visits(self, ids: set[int]) -> None:
        """Read the touched visits' rows and alarms on the background worker, then show them.
        The window never waits for the database for a change, this seat's presses included."""
        assert self.live is not None and self.board is not None
        policy = self.board.policy
        started = self._syncs

        def load() -> tuple[list[BoardRow], list[AlarmDetail]]:
            return self.tracker.rows_for(ids, policy), self.alarm_service.details(visit_ids=ids)

        def loaded(result: tuple[list[BoardRow], list[AlarmDetail]]) -> None:
            if self.stopped:
                return
            if self._syncs != started:  # a check meanwhile may show newer: never go back to this
                self._load_visits(ids)
                return
            self._show_visits(ids, *result)

        self.live.worker.submit(
            load, loaded, lambda message: self._db_failed(message.splitlines()[0])
        )

    def _show_new_alarm(self, new: NewAlarm) -> None:
        """This seat's press raised an alarm: its window opens now, from what the write job read
        back, not after the reads already queued on the window's reader."""
        if self.stopped or new.details is None:
            return  # no read-back: the change feed's reload opens it
        scope: set[int | None] = {new.alarm.visit_id}
        self._show_alarm_details(new.details, scope)

    def _show_alarm_details(self, details: list[AlarmDetail], scope: set[int | None]) -> None:
        """Alarm windows of `scope` as read on the write worker just after this seat's write; a
        reload started before it is read again rather than shown (it may be older)."""
        self._syncs += 1
        self._sync_windows(details, [], self.clock.now(), scope=scope)
        self.tick()

    def _show_visits(self, ids: set[int], rows: list[BoardRow], details: list[AlarmDetail]) -> None:
        if self.stopped or self.board is None:
            return
        now = self.clock.now()
        if any(row.state.lapsed(now) for row in rows):
            self.check_later("lapsed", ids)  # something to raise: on the worker as well
            return
        self.checks += 1
        self.db_error = ""
        if not rows and not ids & {row.visit.id for row in self.board.rows}:  # none is out: a
            # booking, an approval, an edit of a later visit leave the board as it is; an
            # alarm of a visit already back may have moved on a step: its timer is re-armed
            self._sync_windows(details, [], now, scope=ids)
            self._arm(self.board, now)
            self.tick()
            return
        self.board.replace(ids, rows, now)
        self._sync_windows(details, [], now, scope=ids)
        self._publish(self.board, now)
        self.tick()

    def on_health(self, down_since: object) -> None:
        """The change feed lost (or regained) the database."""
        if down_since is None:
            self.check_later("reconnected")
        else:
            self._db_failed(self.live.error if self.live is not None else "not answering")

    def _publish(self, board: Board, now: datetime) -> None:
        """Work out the summary once, re-arm one job per visit and per step timer, tell screens."""
        board.sort(now)
        counts = board.counts(now)
        self._summary = (len(board.rows), counts, board.next_alarm_at(now))
        self._arm(board, now)
        self.board_changed.emit(board)
        # Forget announced waits of visits no longer out (they came home): the set stays small.
        self._waits_over &= {row.visit.id for row in board.rows}
        for row in board.rows:
            until = row.state.parent_wait_until
            if until is not None and now >= until and row.visit.id not in self._waits_over:
                self._waits_over.add(row.visit.id)
                self.tray.message(
                    "Parents not present",
                    f"{row.visit.household.name}: the wait is over. Cancel the visit as "
                    "'parent not present'?",
                    critical=False,
                )
                self.parent_wait_over.emit(row)

    def _arm(self, board: Board, now: datetime) -> None:
        """One job per visit's next deadline and per alarm window's step timer."""
        plan = board.wakeups(now)
        for window in self.windows.values():
            due = window.detail.ladder().timer_due
            if due is not None and due > now:
                plan[f"alarm:{window.alarm_id}"] = due
        self.scheduler.arm(plan)

    # --- alarm windows -------------------------------------------------------------------
    def _sync_windows(
        self,
        details: list[AlarmDetail],
        raised: list[Raised],
        now: datetime,
        scope: Collection[int | None] | None = None,
        at_once: bool = False,
    ) -> int:
        """Open, update and close alarm windows to match `details` (all open alarms, or those of
        the visits in `scope`: windows of other visits are left as they are; None in `scope`
        stands for the alarms about a person with no one visit). Returns how many it opened.
        Of the new alarms, the first opens now and the others one per later turn (each from
        the next spare), unless `at_once` (a check run on this thread, which waits anyway)."""
        if not self.handles_alarms:
            details = []
        open_ids = {d.alarm.id for d in details}
        opened = 0
        in_scope = [i for i, w in self.windows.items() if scope is None or w.visit_id in scope]
        for alarm_id in [i for i in in_scope if i not in open_ids]:
            closing = self.windows.pop(alarm_id)
            self._saved.discard(alarm_id)
            closing.allow_close()
            closing.close()
            closing.deleteLater()
        for alarm_id, waiting in list(self._to_open.items()):  # closed before its window opened
            if alarm_id not in open_ids and (scope is None or _visit_of(waiting) in scope):
                del self._to_open[alarm_id]
        for detail in details:
            window = self.windows.get(detail.alarm.id)
            if window is None and not at_once and (opened or self._to_open):  # a later turn
                self._to_open[detail.alarm.id] = detail
                self._open_queued_later()
            elif window is None:
                self._open_alarm(detail, now)
                opened += 1
            else:
                before = (window.detail.alarm.reason, window.detail.alarm.level)
                owner_before = window.detail.alarm.acknowledged_by
                window.update_detail(detail, now)
                if detail.alarm.id in self._saved:  # the press it was saving now shows
                    self._saved.discard(detail.alarm.id)
                    window.set_saving("")
                owner = detail.alarm.acknowledged_by
                if owner_before and owner and owner != owner_before:
                    window.show_notice(
                        f"{owner} took this alarm over from {owner_before} at "
                        f"{fmt_time(detail.alarm.acknowledged_at)}."
                    )
                if (detail.alarm.reason, detail.alarm.level) != before:
                    window.show_notice(f"Changed: {detail.alarm.reason}")
                    self._alert(window, f"{window.windowTitle()}\n{detail.alarm.reason}")
        for item in raised:
            primary = self.windows.get(item.primary_id)
            if item.merged and primary is not None:
                primary.show_notice(f"Also overdue now: {item.reason}")
        return opened

    def _open_alarm(self, detail: AlarmDetail, now: datetime) -> None:
        window = self._open_window(detail, now)
        self._alert(window, f"{window.windowTitle()}\n{detail.alarm.reason}")
        self.alarm_raised.emit(detail.alarm.id)

    def _open_queued_later(self) -> None:
        if not self._opening:
            self._opening = True
            self.spare.when_ready(self._open_queued)

    def _open_queued(self) -> None:
        """The next waiting alarm's window, from the spare just made ready (one per turn)."""
        self._opening = False
        if self.stopped or not self._to_open:
            return
        alarm_id = next(iter(self._to_open))
        detail = self._to_open.pop(alarm_id)
        if alarm_id not in self.windows:
            self._open_alarm(detail, self.clock.now())
            self.tick()
        if self._to_open:
            self._open_queued_later()

    def _build_window(self, in_parts: bool = False) -> AlarmWindow:
        """An alarm window wired to this seat, no alarm in it yet (the spare's build)."""
        window = AlarmWindow(self.actor, can_print=self.can_print, in_parts=in_parts)
        window.acknowledge_requested.connect(self._acknowledge)
        window.takeover_requested.connect(self._take_over)
        window.step_requested.connect(self._record_step)
        window.resolve_requested.connect(self._resolve)
        window.print_requested.connect(self._print_police_sheet)
        return window

    def _open_window(self, detail: AlarmDetail, now: datetime) -> AlarmWindow:
        window = self.spare.take()
        window.fill(detail, self.actor, now)
        index = len(self.windows)
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            offset = 40 + STACK_OFFSET * (index % 8)
            window.resize(min(780, area.width() - 80), min(700, area.height() - 80))
            window.move(area.left() + offset, area.top() + offset)
        self.windows[detail.alarm.id] = window
        window.show()
        return window

    def _alert(self, window: AlarmWindow, text: str) -> None:
        """Cannot be missed: on top, taskbar flashing, a tray message (the sound is on tick)."""
        window.show()
        window.raise_()
        QApplication.alert(window, 0)
        window.announce(text)
        self.tray.message(window.windowTitle(), text)

    def raise_alarms(self) -> None:
        """Every open alarm window above every other hvdesk window (after a window appeared)."""
        if self.stopped:
            return
        for window in self.windows.values():
            window.show()
            window.raise_()

    def window_for_visit(self, visit_id: int) -> AlarmWindow | None:
        return next((w for w in self.windows.values() if w.visit_id == visit_id), None)

    def show_visit_alarms(self, visit_id: int) -> None:
        for window in self.windows.values():
            if window.visit_id == visit_id:
                self.show_alarm(window.alarm_id)

    def show_alarm(self, alarm_id: int) -> None:
        window = self.windows.get(alarm_id)
        if window is not None:
            window.show()
            window.raise_()
            window.activateWindow()

    # --- presses on an alarm window ------------------------------------------------------
    def _handle(
        self,
        alarm_id: int,
        what: str,
        fn: Callable[[], object],
        then: Callable[[AlarmWindow], None] | None = None,
    ) -> None:
        """Save a press on the alarm window on the write worker; the window says "saving…" and
        takes no other press meanwhile. `then(window)` once it is recorded (clear the note)."""
        window = self.windows.get(alarm_id)
        if window is not None:
            window.set_saving(f"Saving the {what}…")
        visit_id = window.visit_id if window is not None else None

        def write() -> Pressed:  # on the write worker: the press, then the alarm as it now is
            result = fn()
            try:
                if visit_id is None:
                    return Pressed(result, self.alarm_service.details(without_visit=True))
                return Pressed(result, self.alarm_service.details(visit_ids={visit_id}))
            except SQLAlchemyError as err:  # recorded all the same: the feed's reload shows it
                log.warning("The %s was recorded; reading the alarm back failed: %s", what, err)
                return Pressed(result, None)

        save(
            self.writer,
            write,
            lambda outcome: self._handled(alarm_id, what, outcome, then),
            what=f"{what} (alarm {alarm_id})",
        )

    def _handled(
        self,
        alarm_id: int,
        what: str,
        outcome: Outcome,
        then: Callable[[AlarmWindow], None] | None,
    ) -> None:
        if self.stopped:
            return
        window = self.windows.get(alarm_id)
        if outcome.recorded:
            if window is not None and then is not None:
                then(window)
            pressed = outcome.result
            if isinstance(pressed, Pressed) and pressed.details is not None and window is not None:
                window.set_saving("")  # shown at once: presses are taken again
                self._show_alarm_details(pressed.details, {window.visit_id})
            else:
                self._saved.add(alarm_id)  # the window takes presses again once it shows it
            self._after_action()
            return
        if window is None:
            return
        window.set_saving("")
        if outcome.refused:  # someone else moved first: show the alarm as it is now
            window.show_error(outcome.refused)
            self._reload_visit(window.visit_id)
        else:  # never a crash box: say so plainly, keep what was typed
            typed = what in ("step", "resolution")  # the only presses with something typed
            window.show_error(not_recorded(what, outcome, kept=typed))

    def _reload_visit(self, visit_id: int | None) -> None:
        """Show an alarm as it is now after a refusal (None: an alarm about a person, no visit)."""
        if visit_id is None and self.live is not None:
            self._load_person_alarms()
        elif visit_id is not None and self.live is not None and self.board is not None:
            self._load_visits({visit_id})
        else:
            self.check("refused")

    def _acknowledge(self, alarm_id: int) -> None:
        self._handle(
            alarm_id, "ownership", lambda: self.alarm_service.acknowledge(self.actor, alarm_id)
        )

    def _take_over(self, alarm_id: int, owner: str) -> None:
        window = self.windows.get(alarm_id)
        if not dialogs.confirm(
            window,
            "Take over this alarm?",
            f"Take over from {owner}?\n\n{owner} will see on their screen that you are handling "
            "this alarm now. This is recorded on the visit's timeline.",
        ):
            return
        self._handle(
            alarm_id, "take-over", lambda: self.alarm_service.take_over(self.actor, alarm_id, owner)
        )

    def _record_step(self, alarm_id: int, step: int, result: str, note: str, ref: str) -> None:
        self._handle(
            alarm_id,
            "step",
            lambda: self.alarm_service.record_step(self.actor, alarm_id, step, result, note, ref),
            # only once it is recorded: a refusal or a database error keeps the note
            lambda window: window.step_note.clear(),
        )

    def _resolve(
        self, alarm_id: int, resolution: str, note: str, ref: str, new_return: object
    ) -> None:
        self._handle(
            alarm_id,
            "resolution",
            lambda: self.alarm_service.resolve(
                self.actor,
                alarm_id,
                resolution,
                note,
                ref,
                new_return if isinstance(new_return, datetime) else None,
            ),
        )

    def _print_police_sheet(self, alarm_id: int) -> None:
        """The visit's police sheet, or for an alarm about a person the sheet naming them."""
        from hvdesk.printing import PERSON_POLICE_SHEET, POLICE_SHEET
        from hvdesk.services.printing import PrintService
        from ui.print_actions import print_form

        window = self.windows.get(alarm_id)
        if window is None:  # resolved meanwhile on another seat: its window has gone
            return
        service = PrintService(self.services.db, self.clock)
        if window.visit_id is not None:
            print_form(window, service, self.actor, POLICE_SHEET, visit_id=window.visit_id)
        else:
            print_form(window, service, self.actor, PERSON_POLICE_SHEET, alarm_id=alarm_id)

    def _after_action(self) -> None:
        """Something was recorded: the window's change feed reads what on its worker and
        announces it (the touched visits are then reloaded off the GUI thread too); without a
        feed, check here."""
        if self.stopped:  # saved while closing: nothing left to refresh
            return
        self.recorded.emit()
        if self.live is None:
            self.check("recorded")
        elif not self.stopped:
            self.live.pull()

    def visit_name(self, visit_id: int) -> str:
        """The household a visit on the board is known by ('the visit' when not out)."""
        row = self.board.row(visit_id) if self.board is not None else None
        return row.visit.household.name if row is not None else "the visit"

    # --- every second --------------------------------------------------------------------
    def tick(self) -> None:
        if self.stopped:
            return
        now = self.clock.now()
        attention = False
        for window in self.windows.values():
            before = window.attention
            window.tick(now)
            if window.attention and not before:
                self._alert(window, window.prompt.text())
            attention = attention or window.attention
        self.sound.set_on(attention)
        self.ticked.emit(now)

    # --- status --------------------------------------------------------------------------
    def monitoring_text(self) -> str:
        if self.monitoring:
            return "● Monitoring: ON"
        if self._database_down():
            return "⚠ Monitoring: OFF — database not answering"
        if self.starting:
            return "○ Monitoring: starting…"
        return "○ Monitoring: OFF"

    @property
    def starting(self) -> bool:
        """Started, its first check not back yet (read on the worker at the app's start)."""
        return self.started and not self.stopped and self.board is None and not self.db_error

    def counts_text(self, now: datetime | None = None) -> str:
        if self.board is None or self._summary is None:
            return "tracker starting…"
        now = now or self.clock.now()
        out, counts, nxt = self._summary
        overdue = counts[Level.RED] + counts[Level.DURESS]
        parts = [f"{out} out now", f"{overdue} overdue"]
        if counts[Level.AMBER]:
            parts.append(f"{counts[Level.AMBER]} due")
        if nxt is not None and nxt > now:
            parts.append(f"next alarm in {clock_text((nxt - now).total_seconds())}")
        real = [w for w in self.windows.values() if not w.detail.alarm.drill]
        if real:
            parts.append(f"{len(real)} alarm{'s' if len(real) != 1 else ''} open")
        if len(real) != len(self.windows):
            parts.append("DRILL running")
        return ", ".join(parts)
