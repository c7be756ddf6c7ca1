"""The live tracker (issue 6): deadlines, alarm windows, the escalation ladder, the tray.

Imported lightly (the Today panel uses the board model); the feature itself is in feature.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.shell import Shell


def install(window: Shell) -> None:
    from ui.tracker.feature import install as install_tracker

    install_tracker(window)
