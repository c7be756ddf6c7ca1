"""Visit record and itinerary (Hampton, shared/seeds/001): who, where, when back, and the return.

A copy goes to the office and the approver before the visit; the check-in times are listed so the
office can tick them off even if the computer is down.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date, fmt_datetime, fmt_time
from hvdesk.events import EventKind
from hvdesk.form_list import FORM_LIST, VISIT_RECORD
from hvdesk.models import STATUS_LABELS, Visit, VisitStatus
from hvdesk.policy import PolicySettings
from hvdesk.printing.context import (
    PrintContext,
    VisitData,
    address_block,
    pupil_text,
    staff_lines,
    time_span,
    vehicle_text,
)
from hvdesk.printing.styles import (
    BODY,
    content_width,
    fields_table,
    gap,
    grid_table,
    heading,
    keep,
    pairs_table,
    para,
    title_block,
    write_in,
)
from hvdesk.rules.known_risks import risk_summary
from hvdesk.rules.validation import display_phone

TITLE = FORM_LIST[VISIT_RECORD].title


def expected_checkins(
    departure: datetime, end: datetime, expected_return: datetime, policy: PolicySettings
) -> list[tuple[str, datetime]]:
    """The check-ins staff owe, simply: on leaving school, every interval while out, on leaving.

    Deliberately simple (the live tracker has the full rules); this is the paper fallback.
    """
    items: list[tuple[str, datetime]] = [("Before the visit (leaving school)", departure)]
    step = timedelta(minutes=max(policy.checkin_interval_min, 1))
    due = departure + step
    while due < expected_return:
        if abs((due - end).total_seconds()) >= 5 * 60:  # not the same moment as 'after leaving'
            items.append(("While out", due))
        due += step
    items.append(("After leaving the property", end))
    items.sort(key=lambda item: item[1])
    return items


def _itinerary(ctx: PrintContext, visit: Visit) -> list[tuple[str, str]]:
    """When and where, who to ring at school, the vehicle and the risk level: side by side."""
    household = visit.household
    office = visit.office_contact or "School office"
    if ctx.school_phone:
        office = f"{office}, {ctx.school_phone}"
    risk_level = "No assessment linked"
    if visit.risk_assessment is not None:
        ra = visit.risk_assessment
        risk_level = f"{ra.overall_level.capitalize()} (by {ra.assessor_name or 'unsigned'})"
    pairs: list[tuple[str, str]] = [
        ("Date", fmt_date(visit.start)),
        ("Visit", time_span(visit.start, visit.end)),
        ("Leave school", fmt_time(visit.planned_departure)),
        ("Expected return", fmt_time(visit.expected_return)),
        ("Pupil", pupil_text(visit)),
        ("Household", household.name),
        ("Address", address_block(household)),
        ("Parents / carers", household.parents_carers),
        ("Home phone", display_phone(household.phone) or "None recorded"),
        ("Office contact", office),
        ("Vehicle", vehicle_text(visit)),
        ("Risk assessment", risk_level),
    ]
    return pairs


def _details(data: VisitData) -> list[tuple[str, str]]:
    """What the visit is for, what is known, and why it is allowed as it is (lone, out of hours),
    ending with its status and who approved it."""
    visit = data.visit
    household = visit.household
    status = STATUS_LABELS.get(VisitStatus(visit.status), visit.status)
    approved = data.latest(EventKind.APPROVED.value)
    rows: list[tuple[str, str]] = [
        ("Purpose", visit.purpose_label + ("" if visit.announced else " (unannounced)")),
        ("Known risks", risk_summary(household)),
    ]
    if household.social_worker_name:
        sw = display_phone(household.social_worker_phone)
        rows.append(("Social worker", f"{household.social_worker_name} {sw}".strip()))
    if visit.pre_visit_notes:
        rows.append(("Notes", visit.pre_visit_notes))
    if visit.lone_visit_reason:
        rows.append(("Lone visit because", visit.lone_visit_reason))
    if visit.out_of_hours_reason:
        rows.append(("Out of hours because", visit.out_of_hours_reason))
        rows.append(("Responsible contact", visit.responsible_contact))
    approval = "not yet approved"
    if approved is not None:
        approval = f"approved by {approved.user_name}, {fmt_datetime(approved.at)}"
    rows.append(("Status", f"{status}; {approval}"))

    return rows


def _checkin_rows(visit: Visit, policy: PolicySettings) -> list[list[str]]:
    """Each expected check-in with blanks for the time it came and who took it."""
    checkins = expected_checkins(visit.planned_departure, visit.end, visit.expected_return, policy)
    checkin_rows = [[label, fmt_time(at), "", ""] for label, at in checkins]
    checkin_rows.append(
        ["Back at school (expected return)", fmt_time(visit.expected_return), "", ""]
    )
    return checkin_rows


def _reminders(visit: Visit, policy: PolicySettings) -> list[str]:
    """The policy in the staff's words: how often to check in, when to ring, what the office does."""
    reminders = [
        f"Check in at least every {policy.checkin_interval_min} minutes while out, "
        "and on leaving the property."
    ]
    if policy.late_phone_reminder_min:
        reminders.append(
            f"Phone the office if you will be more than {policy.late_phone_reminder_min} "
            "minutes late."
        )
    chase = visit.expected_return + timedelta(minutes=policy.return_grace_min)
    who = policy.approver_title.lower() if policy.approver_title else "headteacher"
    reminders.append(
        f"If you are not back by {fmt_time(chase)} the office will ring your mobile, then the "
        f"visit address, then tell the {who}."
    )

    return reminders


def build(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    visit, policy = data.visit, ctx.policy
    width = content_width()
    pairs = _itinerary(ctx, visit)
    rows = _details(data)
    checkin_rows = _checkin_rows(visit, policy)
    reminders = _reminders(visit, policy)
    returned = fmt_time(visit.returned_at) if visit.returned_at else ""
    return [
        *title_block(TITLE, f"Visit {visit.id} · {fmt_date(visit.start)} · {visit.staff_names}"),
        fields_table([("Staff and mobiles", staff_lines(visit.staff))], width),
        pairs_table(pairs, width),
        fields_table(rows, width),
        keep(
            heading("Check-ins expected"),
            grid_table(
                ["Check-in", "Due", "Actual time", "Taken by"],
                checkin_rows,
                [72 * mm, 22 * mm, 38 * mm, 48 * mm],
                blank="",
                row_height=7 * mm,
            ),
            gap(2),
            *[para(r, BODY) for r in reminders],
        ),
        keep(
            heading("Confirmation of return"),
            write_in(
                [
                    ("Returned to school at", returned),
                    ("Confirmed by (office)", ""),
                    ("Signed", ""),
                ],
                width,
            ),
        ),
    ]
