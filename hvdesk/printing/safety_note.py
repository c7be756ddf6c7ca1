"""Safety cancellation note to the approver (DESIGN 4): a visit called off because staff felt unsafe.

The approver must decide what happens next (another visit, a joint visit, police or social care), so
the note says who decided, when and why, and leaves room for that decision.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date, fmt_datetime
from hvdesk.errors import HvdeskError
from hvdesk.events import EventKind
from hvdesk.form_list import FORM_LIST, SAFETY_CANCELLATION
from hvdesk.printing.context import (
    PrintContext,
    VisitData,
    address_block,
    pupil_text,
    staff_lines,
    time_span,
)
from hvdesk.printing.styles import (
    BODY,
    NOTICE,
    content_width,
    fields_table,
    heading,
    keep,
    para,
    title_block,
    write_in,
)
from hvdesk.rules.known_risks import risk_summary
from hvdesk.rules.visit_forms import safety_note_problem

TITLE = FORM_LIST[SAFETY_CANCELLATION].title


def check(data: VisitData) -> None:
    message = safety_note_problem(data.visit)
    if message is not None:
        raise HvdeskError(message)


def build(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    check(data)
    visit = data.visit
    width = content_width()
    cancelled = data.latest(EventKind.CANCELLED.value)
    decided_by = cancelled.user_name if cancelled is not None and cancelled.user_name else ""
    when = visit.cancelled_at or (cancelled.at if cancelled is not None else None)
    approved = data.latest(EventKind.APPROVED.value)
    to = ctx.policy.cancellation_note_to
    if approved is not None and approved.user_name:
        to = f"{to} ({approved.user_name} approved this visit)"
    rows = [
        ("To", to),
        (
            "Visit",
            f"Visit {visit.id}: {fmt_date(visit.start)}, {time_span(visit.start, visit.end)}",
        ),
        ("Pupil", pupil_text(visit)),
        ("Household", visit.household.name),
        ("Address", address_block(visit.household)),
        ("Staff", staff_lines(visit.staff)),
        ("Purpose", visit.purpose_label),
        ("Reason", "Safety concern"),
        ("What happened", visit.cancel_note or "No details were recorded"),
        ("Decided by", decided_by or "Not recorded"),
        ("When", fmt_datetime(when) if when else "Not recorded"),
        ("Known risks", risk_summary(visit.household)),
    ]
    return [
        *title_block(TITLE, f"Visit {visit.id} · {visit.household.name}"),
        para(
            "This visit was cancelled because staff were concerned for their safety. "
            f"The {ctx.policy.cancellation_note_to.lower()} should decide the next step.",
            NOTICE,
        ),
        fields_table(rows, width),
        keep(
            heading(f"Decision of the {ctx.policy.cancellation_note_to.lower()}"),
            para(
                "For example: rearrange as a joint visit, meet in school instead, share with the "
                "DSL or social care, or record the risk on the household.",
                BODY,
            ),
            write_in([("Next step", ""), ("", ""), ("", ""), ("Signed", ""), ("Date", "")], width),
        ),
    ]
