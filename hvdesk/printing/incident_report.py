"""The printed incident report for the headteacher (St Hugh's, Harborne): plain data in.

Blank lines are left for what is not yet known, so the paper copy can be completed by hand and
the head can sign that they have seen it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from reportlab.platypus import Flowable

from hvdesk.clock import fmt_datetime
from hvdesk.printing.base import register_fonts
from hvdesk.printing.styles import (
    NOTICE,
    content_width,
    fields_table,
    heading,
    keep,
    para,
    title_block,
    write_in,
)

TITLE = "Incident report"


class IncidentFacts(Protocol):
    """What the report reads of an incident, read-only.

    Printing takes plain data and knows no service: the incident service's row has this shape,
    and so may anything else that prints an incident.
    """

    @property
    def id(self) -> int: ...
    @property
    def what(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def reported_by(self) -> str: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def place(self) -> str: ...
    @property
    def people(self) -> str: ...
    @property
    def said_and_done(self) -> str: ...
    @property
    def injuries(self) -> str: ...
    @property
    def police_reference(self) -> str: ...
    @property
    def witnesses(self) -> str: ...
    @property
    def follow_up(self) -> str: ...
    @property
    def visit_id(self) -> int | None: ...
    @property
    def alarm_id(self) -> int | None: ...
    @property
    def household(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def acknowledged_by(self) -> str: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def missing(self) -> list[str]: ...


def build(incident: IncidentFacts, policy_title: str) -> list[Flowable]:
    register_fonts()
    width = content_width()
    where = incident.place or incident.address
    visit = f"Visit {incident.visit_id}" if incident.visit_id else "Not linked to a visit"
    if incident.alarm_id:
        visit += f" (alarm {incident.alarm_id})"
    missing = incident.missing
    story: list[Flowable] = [
        *title_block(TITLE, f"Incident {incident.id} · {fmt_datetime(incident.occurred_at)}"),
    ]
    if missing:
        story.append(para("Still to complete: " + ", ".join(missing) + ".", NOTICE))
    story += [
        heading("What happened"),
        fields_table(
            [
                ("When", fmt_datetime(incident.occurred_at)),
                ("Where", where),
                ("Household", incident.household),
                ("Visit", visit),
                ("What happened", incident.what),
                ("People involved", incident.people),
                ("What was said and done", incident.said_and_done),
                ("Injuries", incident.injuries),
                ("Witnesses", incident.witnesses),
                ("Police reference", incident.police_reference),
                ("Follow-up", incident.follow_up),
            ],
            width,
        ),
        heading("Recorded"),
        fields_table(
            [
                ("Reported by", incident.reported_by),
                ("Recorded at", fmt_datetime(incident.recorded_at)),
                (
                    "Last completed",
                    fmt_datetime(incident.updated_at) if incident.updated_at else "",
                ),
            ],
            width,
        ),
    ]
    seen = (
        f"Acknowledged by {incident.acknowledged_by} at {fmt_datetime(incident.acknowledged_at)}"
        if incident.acknowledged_at
        else ""
    )
    story.append(
        keep(
            heading(f"Seen by the {policy_title}"),
            write_in([("Acknowledged", seen), ("Signed", ""), ("Date", "")], width),
        )
    )
    return story
