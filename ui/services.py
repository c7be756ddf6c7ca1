"""The services the window hands out. Built once at start-up; each screen receives only what it uses."""

from __future__ import annotations

from dataclasses import dataclass

from hvdesk.clock import Clock
from hvdesk.db import Database
from hvdesk.services.auth import AuthService
from hvdesk.services.households import HouseholdService
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import StaffService
from hvdesk.services.visits import VisitQueries


@dataclass
class AppServices:
    db: Database
    clock: Clock
    settings: SettingsService
    staff: StaffService
    households: HouseholdService
    visits: VisitQueries
    auth: AuthService

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
