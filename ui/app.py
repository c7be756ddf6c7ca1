"""Start the desktop app: sign-in on screen at once, the database opened meanwhile, the main window.

What is on screen first (after the single-copy check) is the sign-in dialog, started as cheaply as
a bare window: SQLAlchemy, Alembic, the services and the main window's modules load on the
background worker while it is shown and the user types (ui.login imports nothing heavy). Opening
the database (and migrating it) runs there too. When it cannot be opened, the dialog closes and the
GUI thread takes the ordinary path: one plain message, or for a damaged file the offer of its
newest good backup (ui.restore_offer).

The main window for the person the username names is built while the password is typed, a slice
per event-loop turn once the worker has imported its modules (_WarmUp, PreparedWindow): each
screen, the frame, each feature up to the live tracker, so a key typed meanwhile waits for one
slice. Enter: the password is checked on a thread while what is left of it is built; once it
proves right the window starts and is painted at once, its first reads (the tracker's check,
Today's lists) on the worker, any alarm opening as they return; the other screens the moment after.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Generator, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from hvdesk import __version__
from hvdesk.errors import HvdeskError
from hvdesk.platform.heap import settle_allocator
from hvdesk.resources import resource_path
from ui.a11y_interfaces import install_interfaces
from ui.login import LoginDialog
from ui.worker import EXIT_WAIT_MS, Worker, exit_without_waiting, finish_abandoned

if TYPE_CHECKING:
    from hvdesk.clock import Clock
    from hvdesk.in_use import Holder
    from hvdesk.services.base import Actor
    from ui.main_window import MainWindow
    from ui.services import AppServices

log = logging.getLogger(__name__)
FIRST_RUN = 2  # the sign-in dialog's result when the database has no users yet
FAILED = 3  # ... when the database could not be opened
# The database opens by then even if the dialog was never painted (started minimised). Not much
# sooner: on a busy PC the first paint can take longer than 300 ms, and an open begun before it
# (SQLAlchemy's import on the worker) holds the interpreter the paint needs.
OPEN_AT_LATEST_MS = 1000


def create_application(argv: list[str] | None = None) -> QApplication:
    settle_allocator()  # before Qt's threads: a week without a restart (hvdesk.platform.heap)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv)
    app.setApplicationName("hvdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("hvdesk")
    install_interfaces()  # what screen readers get from alarm windows and drop-downs
    icon = resource_path("icons", "hvdesk.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_window(services: AppServices, actor: Actor) -> MainWindow:
    return finish_window(build_shell(services, actor))


def build_shell(services: AppServices, actor: Actor, *, build: bool = True) -> MainWindow:
    """The main window and its own screens, not yet started (no features, no monitoring).
    build=False: only its frame, the rest built by window.build_step() a slice at a time."""
    from ui.main_window import MainWindow
    from ui.session_lock import SessionActor

    # one shared SessionActor: switching user changes who every screen acts as, monitoring untouched
    return MainWindow(services, SessionActor(actor), started=False, build=build)


def finish_window(window: MainWindow, *, rest_after_paint: bool = False) -> MainWindow:
    """Someone is signed in: the features (the tracker first; those up to it may be in already,
    installed while the password was checked), then monitoring starts.

    rest_after_paint (the app's start): only the features up to the live tracker before the
    window is first painted, and their reads on the worker (the window shows at once, alarms
    found open as the tracker's first check returns); the other features once it is painted and
    that check is back (its alarms are not kept waiting behind them), or 2 s at most."""
    from ui.features import install_later, install_urgent

    controller = window.tracker_controller  # there already: prepared, the features up to it in
    rest = install_urgent(window) if controller is None else partial(install_later, window)
    controller = window.tracker_controller  # (installed just now, if it was not)
    if rest_after_paint and controller is not None:  # after the paint and the tracker's check
        window.after_first_paint(partial(controller.after_start, rest))
    elif rest_after_paint:
        window.after_first_paint(rest)
    window.start(reads_later=rest_after_paint)
    if not rest_after_paint:  # the tracker started (its alarms raised) before the other screens
        rest()
    return window


def _preparing(window: MainWindow) -> Iterator[None]:
    """The prepared window's build (features up to the live tracker, nothing read by them, nothing
    started), one slice (a few tens of milliseconds at most) a step: its screens one by one, then
    those features one by one."""
    from ui.features import urgent_installers

    while window.build_step():
        yield
    for install in urgent_installers():
        install(window)
        yield


class PreparedWindow:
    """The main window built while the password was checked, for the person it would sign in.

    Taken only for that very person once the password proved right; otherwise thrown away
    unshown and unstarted (no monitoring, no backup ever ran in it).

    sliced=True (the sign-in dialog's way): built a slice per event-loop turn, so that the
    password being typed meanwhile never waits on it for long; take() builds what is left."""

    def __init__(self) -> None:
        self.actor: Actor | None = None
        self.window: MainWindow | None = None
        self._slices: Iterator[None] | None = None
        self.failed_for: Actor | None = None  # whose window raised as it was built

    @property
    def building(self) -> bool:
        """Slices of the window are still to build."""
        return self._slices is not None

    def built_for(self, actor: Actor) -> bool:
        """A window for `actor` is built or being built."""
        return self.window is not None and self.actor == actor

    def build(
        self,
        services: AppServices | None,
        actor: Actor,
        *,
        sliced: bool = False,
        on_built: Callable[[], None] | None = None,
    ) -> None:
        """Build `actor`'s window (at once; or sliced, then on_built() once the last slice is
        built), unless it is built already."""
        if services is None:
            return
        if self.built_for(actor):
            if not sliced:
                self._finish()  # begun in slices: the rest now
            return
        self.discard()
        window = build_shell(services, actor, build=False)
        self.window, self.actor = window, actor
        self._slices = _preparing(window)
        if sliced:
            QTimer.singleShot(0, partial(self._next_slice, self._slices, on_built))
        else:
            self._finish()

    def _next_slice(self, slices: Iterator[None], on_built: Callable[[], None] | None) -> None:
        if slices is not self._slices:
            return  # thrown away, or built whole, meanwhile
        try:
            if next(slices, StopIteration) is not StopIteration:
                QTimer.singleShot(0, partial(self._next_slice, slices, on_built))
                return
            self._slices = None
        except Exception:
            self._failed()  # a fresh window is built at sign in
        if on_built is not None:
            on_built()

    def _finish(self) -> None:
        slices, self._slices = self._slices, None
        try:
            for _ in slices or ():
                pass
        except Exception:
            self._failed()

    def _failed(self) -> None:
        """A slice raised: the half-built window goes (never shown, nor finished twice), and the
        build is not begun again for the same person; take() gives None, so a fresh one is built."""
        log.exception("The main window could not be built while the password was checked")
        self.failed_for = self.actor
        self.discard()

    def take(self, actor: Actor) -> MainWindow | None:
        """The window if it was built for `actor` (whatever was left of it built now), else None
        (and it is thrown away)."""
        if self.window is None or self.actor != actor:
            self.discard()
            return None
        self._finish()
        window, self.window, self.actor = self.window, None, None
        return window

    def discard(self) -> None:
        """Thrown away (built for someone else, Cancel, a slice raised): what was built of it goes
        with the window (every part is the window's child from the start), the rest never is."""
        window, self.window, self.actor = self.window, None, None
        slices, self._slices = self._slices, None
        if isinstance(slices, Generator):
            slices.close()
        if window is not None:
            window.abandon_building()
            window.stop_workers()
            window.deleteLater()


def open_services(
    db_arg: str | None, clock: Clock, single_seat: bool
) -> tuple[AppServices | None, bool, str]:
    """On the worker: open (and migrate) the database. (services, has users, error message)."""
    from hvdesk.commands.common import connect
    from ui.services import AppServices

    try:
        db = connect(db_arg, single_seat)  # every failure becomes one plain HvdeskError message
    except HvdeskError as err:
        return None, False, str(err)
    services = AppServices.build(db, clock)
    services.read_start()  # what the dialog and the window show, not read on the GUI thread
    return services, services.auth.has_users(), ""


def preload_main_window() -> None:
    """On the worker, while the user types: import what the main window and the features before
    its first paint use. The window is built for the username once they are in."""
    import ui.main_window
    import ui.session_lock
    import ui.tracker.feature  # noqa: F401
    from ui.features import urgent_installers

    urgent_installers()


def preload_start_reads(services: AppServices) -> None:
    """On the worker after the window is built (or, with no username yet, after its imports): run
    once the reads it starts with (SQLAlchemy compiles each statement on first use)."""
    from hvdesk.clock import london
    from hvdesk.services.tracker import TrackerService

    now = services.clock.now()
    TrackerService(services.db, services.clock).board(now)
    services.visits.on_day(london(now).date())
    services.visits.out_now()


def preload_later_features(stop: Callable[[], bool]) -> None:
    """On the worker after preload_main_window: the modules of the screens installed the moment
    after the first paint (ReportLab, icalendar, charts...), so that moment does not import them;
    a feature at a time, stopping once stop() says so (Sign in pressed: the interpreter is the
    first paint's; what is left is imported after it)."""
    from ui.features import later_steps

    for _step in later_steps():
        if stop():
            return


class _WarmUp:
    """What the sign-in does while the user types, one thing at a time: the main window's modules
    imported (worker, queued behind the database's open as soon as the dialog is painted), then
    the window for the username built in slices (GUI thread), then its start reads compiled and
    the later screens' modules imported (worker). Never two at once while keys are typed: they
    share one interpreter, and a key typed during a slice waits twice as long while the worker
    imports beside it. Once Sign in is pressed no key is typed: the rest is built at once."""

    def __init__(self, worker: Worker, login: LoginDialog, prepared: PreparedWindow) -> None:
        self.worker, self.login, self.prepared = worker, login, prepared
        self.busy = True  # the worker is opening the database or warming up
        self.wanted: Actor | None = None  # whom the username names: their window is wanted
        self.jobs: list[Callable[[], None]] | None = None  # the worker's after the imports
        self.closed = False  # the dialog is gone: nothing more is begun

    @property
    def later_done(self) -> bool:
        """Every part of the warm-up has run."""
        return self.jobs == [] and not self.busy

    def begin(self, opened: Callable[[], bool]) -> None:
        """The dialog is painted and the database's open is queued on the worker: the window's
        imports straight after it (unless opened() says it failed), not a round trip later."""

        def imports() -> None:
            if opened():
                preload_main_window()

        self.worker.submit(imports, self._done, self._done)

    def start(self, services: AppServices) -> None:
        """The database is open: what comes after the imports (or at once if they are done)."""
        self.jobs = [
            lambda: preload_start_reads(services),
            # not once Sign in is pressed: Enter to the first paint needs the interpreter more
            lambda: preload_later_features(lambda: self.login.signing_in),
        ]
        self._next()

    def prepare(self, actor: Actor) -> None:
        """The sign-in dialog asks for `actor`'s window: built in slices as soon as the worker is
        idle; once Sign in is pressed, whatever is not built is built at once (no key is typed any
        more; the window is what is awaited). A module the worker has not imported yet is then
        imported on the GUI thread: the import lock makes that no slower than waiting for it."""
        self.wanted = actor
        services = self.login.services
        failed = self.prepared.failed_for == actor  # built afresh once signed in, not again now
        if self.login.signing_in and not self.closed and services is not None and not failed:
            self.prepared.build(services, actor)  # whole, or the rest of it, now
        self._next()  # sliced once the worker is idle; else the start reads, compiled meanwhile

    def _done(self, _result: object) -> None:
        self.busy = False
        self._next()

    def _next(self) -> None:
        if self.closed or self.busy or self.login.services is None:
            return
        wanted = self.wanted
        if self.prepared.failed_for == wanted:
            wanted = None  # its build raised: built afresh once signed in, not again now
        if wanted is not None and not self.prepared.built_for(wanted):
            self.prepared.build(self.login.services, wanted, sliced=True, on_built=self._next)
        elif self.jobs and not self.prepared.building:
            self.busy = True
            self.worker.submit(self.jobs.pop(0), self._done, self._done)


def _services_while_signing_in(
    args: argparse.Namespace,
    clock: Clock,
    single_seat: bool,
    prepared: PreparedWindow,
    on_screen: Callable[[], None] | None = None,
) -> tuple[LoginDialog, AppServices | None, int]:
    """Show the sign-in dialog at once and open the database on the worker meanwhile; `on_screen`
    runs once it is painted (or OPEN_AT_LATEST_MS passed). Returns the dialog, the services
    (None: could not open) and the dialog's result."""
    worker = Worker(QApplication.instance())
    login = LoginDialog(None, prepare=lambda actor: warm_up.prepare(actor))
    warm_up = _WarmUp(worker, login, prepared)
    opened: dict[str, Any] = {}

    def open_on_worker() -> tuple[AppServices | None, bool, str]:
        result = open_services(args.db, clock, single_seat)
        opened["open"] = result[0] is not None  # read by the imports queued after it
        return result

    def ready(result: tuple[AppServices | None, bool, str]) -> None:
        services, has_users, _error = result
        opened["services"] = services
        if services is None:
            login.done(FAILED)
        elif not has_users:
            login.done(FIRST_RUN)
        else:
            login.set_services(services)
            warm_up.start(services)

    def open_database() -> None:
        if not opened.get("asked"):
            opened["asked"] = True
            if on_screen is not None:
                on_screen()
            worker.submit(open_on_worker, ready, lambda _m: login.done(FAILED))
            warm_up.begin(lambda: bool(opened.get("open")))

    # The open (SQLAlchemy's import, the migration check) waits for the dialog's first paint: on
    # the worker it would hold the interpreter the GUI thread needs to put the dialog on screen.
    login.painted.connect(open_database)
    QTimer.singleShot(OPEN_AT_LATEST_MS, open_database)  # and never waits on a paint for long
    result = login.exec()
    opened["asked"] = True  # closed before the open began: it never begins
    warm_up.closed = True  # no window is begun after the dialog is gone
    if login.actor is None or "services" not in opened:
        worker.wait(60_000)  # the open (and warm-up) finish before the database is closed
    # else signed in: the warm-up, if still running, goes on beside the window being built (its
    # imports are the window's own); the application keeps its worker until then
    return login, opened.get("services"), result


def _opened_on_gui_thread(
    args: argparse.Namespace, clock: Clock, single_seat: bool
) -> AppServices | None:
    """The database did not open on the worker: the plain message or the restore offer."""
    from ui.restore_offer import open_or_offer_restore
    from ui.services import AppServices

    db = open_or_offer_restore(args.db, clock, single_seat=single_seat)
    return None if db is None else AppServices.build(db, clock)


def _first_run(services: AppServices) -> Actor | None:
    from ui import office_start
    from ui.login import FirstRunDialog

    office_start.warn_about_data_folder(None, services.db)
    first = FirstRunDialog(services)
    return first.actor if first.exec() and first.actor is not None else None


def _signed_in(services: AppServices) -> Actor | None:
    """Sign in (a database opened after a restore offer), or the first-run set-up."""
    if not services.auth.has_users():
        return _first_run(services)
    login = LoginDialog(services)
    return login.actor if login.exec() else None


def sign_in(
    args: argparse.Namespace,
    clock: Clock,
    prepared: PreparedWindow | None = None,
    on_screen: Callable[[], None] | None = None,
) -> tuple[AppServices | None, Actor | None, int]:
    """(services, who signed in, exit code when nobody did). `prepared` receives the main window
    built while the password was checked; `on_screen` runs once the sign-in dialog is painted."""
    single_seat = bool(getattr(args, "single_seat", False))
    prepared = prepared if prepared is not None else PreparedWindow()
    login, services, result = _services_while_signing_in(
        args, clock, single_seat, prepared, on_screen
    )
    if result == FAILED or (services is None and result != 0):
        services = _opened_on_gui_thread(args, clock, single_seat)
        if services is None:
            return None, None, 2
        return services, _signed_in(services), 0
    if services is None:
        return None, None, 0
    if result == FIRST_RUN:
        return services, _first_run(services), 0
    return services, login.actor if result else None, 0


def run_gui(args: argparse.Namespace) -> int:
    app = create_application()
    from hvdesk.clock import SystemClock
    from ui import office_start

    start = office_start.begin()  # crash handler, one copy; None: another copy came forward
    if start is None:
        return 0
    single = start.single
    prepared = PreparedWindow()
    services, actor, code = sign_in(args, SystemClock(), prepared, on_screen=start.settle)
    start.settle()  # the log file and listening, if no dialog was painted
    if services is not None:
        office_start.show_start_notices(None)
    if actor is None or services is None:
        prepared.discard()
        if services is not None:
            services.db.dispose()
        single.release()
        return code
    started, held = _hold_database(services)
    if not started:
        prepared.discard()
        services.db.dispose()
        single.release()
        return 2
    shell = prepared.take(actor)
    shell = shell if shell is not None else build_shell(services, actor)
    window = finish_window(shell, rest_after_paint=True)
    single.activated.connect(lambda: office_start.bring_forward(window))
    window.show()
    code = app.exec()
    # a job the closed window left running ends before the database closes (at most EXIT_WAIT_MS)
    finished = finish_abandoned(EXIT_WAIT_MS)
    services.db.dispose()
    if held is not None:
        held.release()
    single.release()
    if not finished:  # a write still hangs on a database that does not answer: never wait on it
        exit_without_waiting(code)
    return code


def _hold_database(services: AppServices) -> tuple[bool, Holder | None]:
    """Mark the database file as open in this window (hvdesk.in_use), so a restore or key rotation
    is refused while it runs. (False, None), after saying why, while one replaces the file now."""
    from PySide6.QtWidgets import QMessageBox

    from hvdesk import in_use

    try:
        return True, in_use.hold(services.db.path, in_use.this_process("the hvdesk window"))
    except HvdeskError as err:
        QMessageBox.warning(None, "hvdesk cannot start yet", str(err))
        return False, None
