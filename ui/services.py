"""The services the window hands out. Built once at start-up; each screen receives only what it uses."""

from __future__ import annotations

from dataclasses import dataclass

from hvdesk.clock import Clock
from hvdesk.db import Database
from hvdesk.policy import PolicySettings
from hvdesk.services.auth import AuthService
from hvdesk.services.changes import latest_event_id
from hvdesk.services.households import HouseholdService
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import StaffService
from hvdesk.services.visits import VisitQueries


@dataclass(frozen=True)
class StartFacts:
    """What building the main window needs from the database, read on the worker as it opens
    (AppServices.read_start), so the build reads none of it on the GUI thread."""

    policy: PolicySettings  # the window's title (the school's name), the status bar's preset
    last_event_id: int  # the change feed announces what is recorded after it


@dataclass
class AppServices:
    db: Database
    clock: Clock
    settings: SettingsService
    staff: StaffService
    households: HouseholdService
    visits: VisitQueries
    auth: AuthService
    start: StartFacts | None = None  # read_start() ran (on the worker)

    def read_start(self) -> None:
        """Off the GUI thread: what the window is built with. The newest event first: a policy
        changed before the policy is read is announced again, never missed."""
        last = latest_event_id(self.db)
        self.start = StartFacts(self.settings.policy(), last)

    def policy_at_start(self) -> PolicySettings:
        """The policy read by read_start(), else read now (a window built without it)."""
        return self.start.policy if self.start is not None else self.settings.policy()

    @classmethod
    def build(cls, db: Database, clock: Clock) -> AppServices:
        return cls(
            db=db,
            clock=clock,
            settings=SettingsService(db, clock),
            staff=StaffService(db, clock),
            households=HouseholdService(db, clock),
            visits=VisitQueries(db, clock),
            auth=AuthService(db, clock),
        )
