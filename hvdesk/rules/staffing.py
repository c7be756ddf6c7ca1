"""Is a staff member cleared to visit: DBS check and lone-working assessment still current."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from hvdesk.models import LoneWorkingAssessment, Staff
from hvdesk.policy import PolicySettings


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, days))


def dbs_current(staff: Staff, policy: PolicySettings, today: date) -> bool:
    if staff.dbs_date is None:
        return False
    return _add_months(staff.dbs_date, 12 * policy.dbs_valid_years) > today


def dbs_problem(staff: Staff, policy: PolicySettings, today: date) -> str | None:
    """Why this person cannot be assigned (Harborne: DBS before assignment), or None."""
    if not policy.dbs_required or dbs_current(staff, policy, today):
        return None
    if staff.dbs_date is None:
        return f"{staff.name} has no DBS check recorded; record it on the Staff screen"
    return (
        f"{staff.name}'s DBS check ({staff.dbs_date:%d %b %Y}) is older than "
        f"{policy.dbs_valid_years} years; renew it before assigning visits"
    )


def current_lone_working(
    assessments: Iterable[LoneWorkingAssessment], policy: PolicySettings, today: date
) -> LoneWorkingAssessment | None:
    """The newest signed lone-working assessment still within its review period, if any."""
    valid = [
        a
        for a in assessments
        if _add_months(a.signed_on, policy.lone_working_valid_months) > today
        and a.signed_on <= today
    ]
    return max(valid, key=lambda a: a.signed_on, default=None)


def lone_working_expires(signed_on: date, policy: PolicySettings) -> date:
    """The first day a lone-working assessment signed on `signed_on` no longer counts as current."""
    return _add_months(signed_on, policy.lone_working_valid_months)
