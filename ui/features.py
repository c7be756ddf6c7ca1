"""Features plug into the main window here, each with install(shell) -> None.

A feature takes the typed Shell (ui/shell.py): it builds the services it needs from
shell.services.db and .clock, adds its panel with shell.add_panel(...), its actions with
shell.add_toolbar_action(...) / shell.menu("visit"), and keeps its own state in a feature object
registered with shell.register(...), which others (and tests) find by its type with
shell.feature(Kind); it stops on shell.closed. install builds and reads nothing: what a feature
reads from the database to start goes in shell.on_start(hook), run once the password proved
right (hook(True): on the worker, as at the app's start, while the window is shown). No feature
sets attributes on the window. The list below is typed, so mypy checks that MainWindow is a
Shell. Order matters for the navigation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Installer = Callable[
    ["MainWindow"], None
]  # a feature's install(shell: Shell) fits: a window is one


def install_all(window: MainWindow) -> None:
    for install in _installers():
        install(window)


def install_urgent(window: MainWindow) -> Callable[[], None]:
    """At start-up: the features up to and including the live tracker now (alarms show at once),
    and a function that installs the rest (run once the window is on screen), in the same order."""
    for install in urgent_installers():
        install(window)
    return lambda: install_later(window)


def install_later(window: MainWindow) -> None:
    """The features after the tracker, in order (those before it are in already)."""
    for install in later_installers():
        install(window)


def _installers() -> list[Installer]:
    return urgent_installers() + later_installers()


def urgent_installers() -> list[Installer]:
    """The features up to and including the live tracker (imports kept local: start-up stays
    fast; the sign-in's warm-up imports these first, the later ones after)."""
    # Each feature appends its own install function below, in the order of the navigation.
    installers: list[Installer] = []
    from ui import outcome_dialog

    installers.append(outcome_dialog.install)
    from ui import print_actions

    installers.append(print_actions.install)
    from ui.calendar import feature as calendar_feature

    installers.append(calendar_feature.install)
    from ui.panels import approvals

    installers.append(approvals.install)
    from ui import tracker

    installers.append(tracker.install)
    return installers


def later_installers() -> list[Installer]:
    """The features after the tracker: installed the moment after the window is first painted."""
    return [install for step in later_steps() for install in step]


def later_steps() -> Iterator[list[Installer]]:
    """later_installers() a feature's import at a time: the sign-in's warm-up imports them a step
    at a time on the worker and stops between two once Sign in is pressed (ui.app)."""
    # Each feature yields its own install function below, in the order of the navigation.
    from ui import notify

    yield [notify.install]
    from ui import session_lock

    yield [session_lock.install]
    from ui import backup_settings

    yield [backup_settings.install]
    from ui import attendance

    yield [attendance.install]
    from ui import incidents

    yield [incidents.install]
    from ui import reports

    yield [reports.install]
    from ui import timeline

    yield [timeline.install]
    from ui import follow_ups

    yield [follow_ups.install]
    from ui import office_pc

    yield [office_pc.install]
    from ui import first_day

    yield [first_day.install]
    from ui import keyboard_help  # last: it lists the keys every feature added

    yield [keyboard_help.install]
