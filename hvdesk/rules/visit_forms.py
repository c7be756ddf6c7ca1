"""Which visit-forms a visit may have in its present state, and why not (no ReportLab here).

The print service refuses a form with these words and the visit menus offer only the forms with
none; the menus open on the GUI thread, so this rule must not load ReportLab (hvdesk.printing).
"""

from __future__ import annotations

from collections.abc import Callable

from hvdesk.form_list import (
    APPOINTMENT_LETTER,
    CANCELLATION_LETTER,
    SAFETY_CANCELLATION,
    SORRY_SLIP,
)
from hvdesk.models import STATUS_LABELS, CancelReason, Visit, VisitStatus

# Which visits each letter may be printed for. The appointment letter tells the family staff will
# come, so only a visit that is approved (or under way) may have one; the slip is carried out and
# left at the door, so it may be printed before the visit, but not for one that is off.
APPOINTMENT_STATES = frozenset(
    {VisitStatus.APPROVED, VisitStatus.OUT, VisitStatus.ON_SITE, VisitStatus.LEFT_PROPERTY}
)
_NOT_YET_APPROVED = frozenset({VisitStatus.DRAFT, VisitStatus.AWAITING_APPROVAL})
_HAPPENED = frozenset({VisitStatus.RETURNED, VisitStatus.COMPLETED})
_OFF = frozenset({VisitStatus.REJECTED, VisitStatus.CANCELLED})


def _state(visit: Visit) -> str:
    try:
        return STATUS_LABELS[VisitStatus(visit.status)].lower()
    except ValueError:
        return str(visit.status)


def appointment_problem(visit: Visit) -> str | None:
    """Why this visit cannot have an appointment letter, or None when it can."""
    if visit.status in APPOINTMENT_STATES:
        return None
    said = f"Visit {visit.id} is {_state(visit)}"
    if visit.status in _NOT_YET_APPROVED:
        return (
            f"{said}, so no appointment letter can tell the family staff will come: approve the "
            "visit first."
        )
    if visit.status in _HAPPENED:
        return (
            f"{said}: this visit has already happened, so there is no appointment to write about. "
            "Print the visit record instead, or book a new visit."
        )
    if visit.status in _OFF:
        return (
            f"{said}, so the family must not be told staff will come. Book a new visit and "
            "approve it first."
        )
    return f"{said}; an appointment letter is only for an approved visit: approve the visit first."


def slip_problem(visit: Visit) -> str | None:
    """Why this visit cannot have a 'sorry you weren't in' slip, or None when it can."""
    if visit.status in _OFF:
        return (
            f"Visit {visit.id} is {_state(visit)}, so nobody will call: there is no 'sorry you "
            "weren't in' slip for it. Book a new visit if the family still needs one."
        )
    return None


def safety_note_problem(visit: Visit) -> str | None:
    """Only a visit cancelled for a safety concern has a safety note."""
    if visit.cancel_reason == CancelReason.SAFETY_CONCERN.value:
        return None
    why = (
        f"it was cancelled as '{visit.cancel_reason.replace('_', ' ')}'"
        if visit.cancel_reason
        else "it has not been cancelled"
    )
    return (
        f"Visit {visit.id} has no safety cancellation note because {why}. The note is only "
        "for visits cancelled for a safety concern; print the visit record instead."
    )


def cancellation_problem(visit: Visit) -> str | None:
    if visit.status != VisitStatus.CANCELLED.value:
        return (
            f"Visit {visit.id} is not cancelled, so there is no cancellation to tell the family "
            "about."
        )
    return None


_VISIT_PROBLEMS: dict[str, Callable[[Visit], str | None]] = {
    APPOINTMENT_LETTER: appointment_problem,
    SORRY_SLIP: slip_problem,
    SAFETY_CANCELLATION: safety_note_problem,
    CANCELLATION_LETTER: cancellation_problem,
}


def visit_form_problem(form: str, visit: Visit) -> str | None:
    """Why this visit-form cannot be printed for this visit in its present state, or None.

    The print service refuses with this message; menus offer only the forms for which it is None.
    """
    check = _VISIT_PROBLEMS.get(form)
    return check(visit) if check is not None else None
