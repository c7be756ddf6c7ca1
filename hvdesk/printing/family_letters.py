"""Letters to the family after the booking: the visit is cancelled (Hampton: families told at the
earliest possible opportunity).

Plain words for parents; the school office's number, never a staff member's own mobile.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hvdesk.clock import fmt_date, fmt_time
from hvdesk.form_list import CANCELLATION_LETTER, FORM_LIST
from hvdesk.models import Visit
from hvdesk.printing.context import PrintContext, VisitData, address_block
from hvdesk.printing.letters import _PARENTHESES, child_name, long_date
from hvdesk.printing.styles import BIG, BODY, gap, para

CANCELLATION_TITLE = FORM_LIST[CANCELLATION_LETTER].title


def _greeting(visit: Visit) -> tuple[str, str]:
    parents = _PARENTHESES.sub("", visit.household.parents_carers).strip(" ,;")
    return parents or f"The parent or carer of {child_name(visit)}", parents or "Parent or Carer"


def build_cancellation(ctx: PrintContext, data: VisitData) -> list[Flowable]:
    visit = data.visit
    to, greeting = _greeting(visit)
    phone = ctx.school_phone
    contact = (
        f"please phone the school office on {phone}"
        if phone
        else "please contact the school office"
    )
    return [
        gap(4),
        para(f"{to}\n{address_block(visit.household)}", BODY),
        para(fmt_date(ctx.letterhead.printed_at), BODY),
        gap(8),
        para(f"Dear {greeting},", BODY),
        para(f"Home visit on {long_date(visit)} at {fmt_time(visit.start)}: cancelled", BIG),
        para(
            f"We are sorry, but the home visit we had arranged for {long_date(visit)} at "
            f"{fmt_time(visit.start)} cannot go ahead. We are letting you know as soon as we can.",
            BODY,
        ),
        para(
            f"If you would like to arrange another time, or have any questions, {contact} and "
            f"quote reference HV{visit.id}.",
            BODY,
        ),
        gap(4),
        para("Yours sincerely,", BODY),
        gap(10),
        para(ctx.letterhead.school_name, BODY),
    ]
