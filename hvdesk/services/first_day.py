"""The first day of a new school: what to set up before the first visit, read from real data.

A school that started empty (the welcome dialog) needs its staff, its households, sign-ins for the
approver and the office, a policy close to its own, and the lone working forms printed for staff to
sign (St Hugh's: 'prior to the commencement of any lone working'). Each step is done when the data
says so, never because someone ticked a box.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hvdesk.events import EventKind
from hvdesk.models import Event, Household, Role, Staff, UserAccount, Visit
from hvdesk.policy import PRESET_LABELS
from hvdesk.services.base import Service
from hvdesk.services.settings import SettingsService

MIN_STAFF = 2  # visits go in pairs


@dataclass(frozen=True)
class FirstDayStep:
    key: str
    title: str
    done: bool
    detail: str  # what the data says now
    screen: str  # the screen where it is done


class FirstDayService(Service):
    def steps(self) -> list[FirstDayStep]:
        with self.db.read() as session:
            staff = session.scalar(select(func.count(Staff.id)).where(Staff.active.is_(True)))
            homes = session.scalar(
                select(func.count(Household.id)).where(Household.active.is_(True))
            )
            roles = dict(
                session.execute(
                    select(UserAccount.role, func.count(UserAccount.id))
                    .where(UserAccount.active.is_(True))
                    .group_by(UserAccount.role)
                ).all()
            )
            printed = session.execute(
                select(Event.staff_id, Event.data)
                .join(Staff, Staff.id == Event.staff_id)
                .where(Event.kind == EventKind.PRINTED.value, Staff.active.is_(True))
            ).all()
        settings = SettingsService(self.db, self.clock)
        policy = settings.policy()
        # one form per person: who has had theirs printed, not how many were printed
        forms = len({sid for sid, data in printed if (data or {}).get("form") == "lone-working"})
        approvers = roles.get(Role.APPROVER.value, 0)
        office = roles.get(Role.OFFICE.value, 0)
        return [
            FirstDayStep(
                "staff",
                "Add the staff who go on visits (at least two: visits go in pairs)",
                (staff or 0) >= MIN_STAFF,
                f"{staff or 0} on file",
                "Staff",
            ),
            FirstDayStep(
                "households",
                "Add the households you visit, with their known risks",
                (homes or 0) > 0,
                f"{homes or 0} on file",
                "Households",
            ),
            FirstDayStep(
                "users",
                f"Give sign-ins to the {policy.approver_title.lower()} (approver) and the office",
                approvers > 0 and office > 0,
                f"{approvers} approver, {office} office",
                "Users",
            ),
            FirstDayStep(
                "policy",
                "Choose the policy closest to your school's, then check each value",
                settings.is_configured(),
                PRESET_LABELS.get(policy.preset, policy.preset)
                if settings.is_configured()
                else "not chosen yet",
                "Settings",
            ),
            FirstDayStep(
                "forms",
                "Print the Lone Working Risk Assessment for each member of staff to sign",
                (staff or 0) > 0 and forms >= (staff or 0),
                f"{forms} of {staff or 0} printed",
                "Staff",
            ),
        ]

    def all_done(self) -> bool:
        return all(step.done for step in self.steps())

    def past_first_day(self) -> bool:
        """A school that has booked visits is past its first day: no checklist for it."""
        with self.db.read() as session:
            return (session.scalar(select(func.count(Visit.id))) or 0) > 0
