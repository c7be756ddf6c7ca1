"""A line on Today naming what is waiting after the visits, each a link to where it is dealt with:
'Incidents: 1 new', 'Social worker not yet told: 2 visits', 'Attendance: 3 visits suggested'.

Loaded on the window's worker whenever data changes; the GUI thread only shows the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QBoxLayout, QInputDialog

from hvdesk.clock import fmt_datetime
from hvdesk.errors import HvdeskError
from hvdesk.rules.validation import display_phone
from hvdesk.services.follow_ups import FollowUps, FollowUpService
from hvdesk.services.outcomes import OutcomeService
from ui import dialogs
from ui.a11y import ValueLabel
from ui.dialog_save import DialogSave
from ui.forms import error_banner

if TYPE_CHECKING:
    from ui.agreements import AgreementsDialog
    from ui.shell import Shell


LINK = "#0b3d91"  # the theme's link colour may be light: links read on the cream background


class FollowUpStrip(ValueLabel):
    """Read as 'Waiting after the visits: …' with what is waiting (a ValueLabel)."""

    def __init__(self, window: Shell, service: FollowUpService) -> None:
        super().__init__("Waiting after the visits")
        self.window_, self.service = window, service
        self.current = FollowUps()
        self.agreements: AgreementsDialog | None = None  # opened from its link, kept to find again
        self.setWordWrap(True)
        # its own cream background, so its own dark text too: the theme's (white in a
        # high-contrast theme) would not read on it
        self.setStyleSheet(
            "QLabel { background: #fff8e1; color: #3b2a00; border: 1px solid #8a5a00;"
            " padding: 4px; }"
        )
        self.linkActivated.connect(self._open)
        self.hide()
        # what is recorded from a link ('I have phoned them', 'social worker told') is written
        # on the window's write worker; this line under the strip says "Saving…" meanwhile
        self.banner = error_banner()
        self.saving = DialogSave(self, self.banner, {}, "follow-up", window.writer)

    def refresh(self) -> None:
        self.window_.worker.submit(self.service.load, self.show_follow_ups, lambda _m: None)

    def show_follow_ups(self, found: FollowUps) -> None:
        self.current = found
        phrases = found.phrases()
        self.setText(
            "⚑ Waiting: "
            + " · ".join(
                f"<a href='{key}' style='color: {LINK}'>{words}</a>" for key, words in phrases
            )
        )
        self.setVisible(bool(phrases))

    def _open(self, key: str) -> None:
        panels = {"attendance": "Attendance", "incidents": "Incidents"}
        if key in panels and panels[key] in self.window_.panels:
            self.window_.show_panel(panels[key])
        elif key == "social":
            tell_social_workers(self.window_, self.current, self.saving)
        elif key == "family":  # Hampton: tell the family of a cancellation
            from hvdesk.services.cancellation import CancellationService
            from ui.cancel_dialog import tell_families

            service = CancellationService(self.window_.services.db, self.window_.services.clock)
            parent = self.window_.dialog_parent()
            tell_families(
                parent,
                self.window_.actor,
                service,
                self.current.families,
                self.saving,
                self.window_.data_changed.emit,
            )
        elif key == "agreements":
            from ui.agreements import open_agreements

            self.agreements = open_agreements(self.window_)


def tell_social_workers(window: Shell, found: FollowUps, saving: DialogSave) -> bool:
    """Pick the visit whose social worker has now been told; recorded in the audit trail, on
    `saving`'s write worker. False when nothing was sent."""
    if not found.social_workers or saving.busy:
        return False
    items = [
        f"Visit {p.visit_id}: {p.household}, {p.social_worker} {display_phone(p.phone)} "
        f"(not yet, because: {p.reason}; since {fmt_datetime(p.since)})"
        for p in found.social_workers
    ]
    chosen, ok = QInputDialog.getItem(
        window.dialog_parent(),
        "Social worker told",
        "Which social worker have you now told?",
        items,
        0,
        False,
    )
    if not ok:
        return False
    pending = found.social_workers[items.index(chosen)]
    outcomes = OutcomeService(window.services.db, window.services.clock)

    def refused(err: HvdeskError) -> None:
        dialogs.inform(window.dialog_parent(), "Not recorded", str(err), "warning")

    return saving.run(
        lambda: outcomes.social_worker_informed(window.actor, pending.visit_id),
        lambda _r: window.data_changed.emit(),
        refused,
    )


@dataclass(frozen=True)
class FollowUpsFeature:
    """What the follow-ups line offers the rest of the window (found by shell.feature)."""

    strip: FollowUpStrip


def install(window: Shell) -> None:
    strip = FollowUpStrip(window, FollowUpService(window.services.db, window.services.clock))
    layout = window.today.layout()
    if isinstance(layout, QBoxLayout):  # Today is a column: the strip goes on top
        layout.insertWidget(0, strip)
        layout.insertWidget(1, strip.banner)
    window.register(FollowUpsFeature(strip))
    # any seat's change that can move a follow-up (not a check-in or an alarm step)
    window.live.changed.connect(lambda change: None if change.tracker_only else strip.refresh())
    strip.refresh()


__all__ = ["FollowUpStrip", "FollowUpsFeature", "install"]
