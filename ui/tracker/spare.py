"""One alarm window built ahead, while the seat is idle, for the next alarm to fill and show.

Building an AlarmWindow (its facts, ladder, police step and resolution: about a hundred widgets)
holds the GUI thread for tens of milliseconds; at a deadline that is just when the window must
appear and every other screen keep painting. So the tracker keeps one built, hidden window: an
alarm fills it (a few label texts) and shows it, and a new spare is built a moment later, once
the alarm window is on screen. No spare yet (the seat has just started): the window is built
there and then, as it always was. Two alarms at once: the first takes the spare, each other waits
for the next spare (`when_ready`), built part by part at once, so no turn builds a whole window.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer

from ui.tracker.alarm_window import AlarmWindow

# After an alarm window is taken: long enough for it to paint first, short enough that a second
# alarm soon after finds the next spare ready.
SPARE_AFTER_MS = 1_500


class SpareWindow(QObject):
    """Keeps one built, hidden AlarmWindow (`ready`), built one part per event-loop turn so no
    turn is long; `take()` hands it over (finishing a build under way) and starts the next
    one after SPARE_AFTER_MS."""

    def __init__(
        self, build: Callable[[bool], AlarmWindow], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._build = build  # build(in_parts)
        self.ready: AlarmWindow | None = None
        self.building: AlarmWindow | None = None
        self.built = 0  # spares finished so far (for tests and the bench)
        self.taken = 0  # alarms that found one ready or under way
        self._waiting: list[Callable[[], None]] = []  # when_ready's callers, first come first
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._next_part)

    def prepare_later(self, ms: int = SPARE_AFTER_MS) -> None:
        """Start building the spare after `ms` (a build pending or under way goes on as it is)."""
        if self.ready is None and self.building is None and not self._timer.isActive():
            self._timer.start(ms)

    def when_ready(self, then: Callable[[], None]) -> None:
        """Call `then` in a later event-loop turn once a spare is ready (built from now, part by
        part, when none is): it takes it there. Callers wait their turn, one spare each."""
        self._waiting.append(then)
        if self.ready is not None:
            self._hand_over()
        elif self.building is None or not self._timer.isActive():
            self._timer.start(0)

    def _hand_over(self) -> None:
        if self._waiting:
            QTimer.singleShot(0, self, self._waiting.pop(0))

    def prepare(self) -> None:
        """Build the spare now, whole (nothing when one is ready)."""
        self._timer.stop()
        if self.ready is None:
            self.ready = self.building or self._build(True)
            self.building = None
            self.ready.finish_build()
            self.built += 1

    def _next_part(self) -> None:
        if self.building is None:
            self.building = self._build(True)
        if self.building.build_part():
            self._timer.start(0)  # the next part once the events waiting meanwhile are done
            return
        self.ready, self.building = self.building, None
        self.built += 1
        self._hand_over()

    def take(self) -> AlarmWindow:
        """The spare (finished now if under way; then another is built later), or a window
        built now when there is none."""
        window, self.ready = self.ready or self.building, None
        self.building = None
        self._timer.stop()
        if window is None:
            window = self._build(False)
        else:
            window.finish_build()
            self.taken += 1
        if self._waiting:  # another alarm waits for the next spare: build it from now on
            self._timer.start(0)
        else:
            self.prepare_later()
        return window

    def discard(self) -> None:
        """The seat closes: no spare is built again, the one ready (or under way) goes."""
        self._timer.stop()
        self._waiting.clear()
        for window in (self.ready, self.building):
            if window is not None and shiboken6.isValid(window):  # not gone with the app
                window.allow_close()
                window.close()
                window.deleteLater()
        self.ready = self.building = None
