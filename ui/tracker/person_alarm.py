"""What an alarm window shows for an alarm about a person rather than one visit.

A safe word texted between visits, after coming back, before a visit booked for later, or with two
visits out raises duress about the person: there is no one address, so the window shows who they
are, their mobile, when they texted, and where hvdesk last knew them to be (or each visit they
have out), and the police sheet carries the same. Display only: no presses live here.
"""

from __future__ import annotations

import html

from hvdesk.clock import fmt_time
from hvdesk.rules.known_risks import risk_summary
from hvdesk.rules.validation import display_phone
from hvdesk.services.alarms import AlarmDetail
from hvdesk.services.whereabouts import Whereabouts, place


def _phone(e164: str | None) -> str:
    return (display_phone(e164) or "no mobile on file").replace(" ", "\u00a0")


def person(detail: AlarmDetail) -> Whereabouts:
    assert detail.person is not None, "an alarm with no visit names the person it is about"
    return detail.person


def name(detail: AlarmDetail) -> str:
    """Who the window is about, for its title: the household, or the person with no one visit."""
    if detail.visit is not None:
        return detail.visit.household.name
    return person(detail).name if detail.person is not None else "a member of staff"


def facts(detail: AlarmDetail) -> dict[str, str]:
    """The window's fact rows for an alarm about a person (keys as AlarmWindow.facts)."""
    who = person(detail)
    visits = who.visits
    others = [s for v in visits for s in v.staff if s.id != who.staff.id]
    staff = [f"{who.name}  {_phone(who.staff.mobile)}"]
    staff += [f"with {s.name}  {_phone(s.mobile)}" for s in others]
    owner = who.staff
    return {
        "visit": f"{len(visits)} visits out: none chosen" if visits else "No visit out",
        "address": who.where,
        "staff": "\n".join(staff),
        "contact": f"Text from {_phone(who.staff.mobile)} at {fmt_time(detail.alarm.raised_at)}",
        "back": "; ".join(f"{v.household.name} {fmt_time(v.expected_return)}" for v in visits)
        or "Not expected anywhere: no visit out",
        "vehicle": f"{owner.vehicle_text} (driver {owner.name})"
        if owner.vehicle_registration
        else "None recorded (on foot or public transport)",
        "risks": "; ".join(f"{v.household.name}: {risk_summary(v.household)}" for v in visits)
        or "None: no visit address",
        "social": "None recorded",
        "notes": "None",
    }


def step_numbers(detail: AlarmDetail) -> dict[int, str]:
    """Steps 1 and 2 of the ladder: their mobile, and the homes of any visits they have out."""
    who = person(detail)
    homes = [
        f"{v.household.name}: {_phone(v.household.phone)}" for v in who.visits if v.household.phone
    ]
    return {
        1: f"{who.name}: {_phone(who.staff.mobile)}",
        2: "\n".join(homes) or "No visit address to ring: " + who.where,
    }


def police_sheet_html(detail: AlarmDetail, school: str, school_phone: str) -> str:
    """The police information sheet for a person with no one visit: who, where last known."""
    who = person(detail)
    e = html.escape
    s = who.staff
    rows = [("School", e(school))]
    if school_phone:
        rows.append(("School phone", e(school_phone)))
    rows.append(
        (
            "Staff",
            f"<b>{e(s.name)}</b> ({e(s.job_title)}), mobile {e(_phone(s.mobile))}<br>"
            f"Description: {e(s.description or 'none recorded')}",
        )
    )
    if s.vehicle_registration:
        rows.append(("Vehicle", e(f"{s.vehicle_text} (driver {s.name})")))
    else:
        rows.append(("Vehicle", "None recorded (on foot or public transport)"))
    rows.append(("Where", e(who.where)))
    for v in who.visits:
        rows.append(("Visit out", e(f"{place(v)}, expected back {fmt_time(v.expected_return)}")))
        rows.append(("Known risks", e(f"{v.household.name}: {risk_summary(v.household)}")))
    rows.append(("Raised", e(fmt_time(detail.alarm.raised_at))))
    rows.append(("Why we are worried", e(detail.alarm.reason)))
    body = "".join(
        f"<tr><td style='padding:2px 8px 2px 0'><b>{k}</b></td><td>{val}</td></tr>"
        for k, val in rows
    )
    return f"<h3>Police information sheet</h3><table>{body}</table>"
