"""What an alarm window shows for an alarm about a person rather than one visit.

A safe word texted between visits, after coming back, before a visit booked for later, or with two
visits out raises duress about the person: there is no one address, so the window shows who they
are, their mobile, when they texted, and where hvdesk last knew them to be (or each visit they
have out), and the police sheet carries the same. Display only: no presses live here.
"""

from __future__ import annotations

import html

from hvdesk.clock import fmt_time
from hvdesk.models import Staff
from hvdesk.rules.known_risks import risk_summary
from hvdesk.rules.validation import display_phone
from hvdesk.services.alarms import AlarmDetail
from hvdesk.services.whereabouts import Whereabouts, place


def _phone(e164: str | None) -> str:
    return (display_phone(e164) or "no mobile on file").replace(" ", "\u00a0")


NO_CAR_BOOKED = "None recorded (on foot or public transport)"  # a visit booked with no car
NO_CAR_ON_RECORD = "No car on record"  # a person with no visit out and no car on file


def car(owner: Staff | None, none: str) -> str:
    """'Blue Ford Fiesta AB12 CDE (driver Tom Reed)', or `none` when there is no car."""
    if owner is None or not owner.vehicle_registration:
        return none
    return f"{owner.vehicle_text} (driver {owner.name})"


def vehicles(who: Whereabouts) -> list[tuple[str, str]]:
    """(whose, car) as the person's police sheet has it: the car each visit out went in, or with
    no visit out their own car from the staff record. Never a guess at how they travel."""
    if who.visits:
        return [(v.household.name, car(v.vehicle_staff, NO_CAR_BOOKED)) for v in who.visits]
    return [("Own car (staff record)", car(who.staff, NO_CAR_ON_RECORD))]


def _vehicle_fact(who: Whereabouts) -> str:
    """One line a visit out; with none out, their own car or plainly that there is none."""
    if not who.visits and not who.staff.vehicle_registration:
        return NO_CAR_ON_RECORD
    return "\n".join(f"{whose}: {what}" for whose, what in vehicles(who))


def person(detail: AlarmDetail) -> Whereabouts:
    assert detail.person is not None, "an alarm with no visit names the person it is about"
    return detail.person


def name(detail: AlarmDetail) -> str:
    """Who the window is about, for its title: the household, or the person with no one visit."""
    if detail.visit is not None:
        return detail.visit.household.name
    return person(detail).name if detail.person is not None else "a member of staff"


def _visits_out(count: int) -> str:
    """Which visit the alarm is on: none chosen (a person alarm has no one visit)."""
    if count == 0:
        return "No visit out"
    return f"{count} visit{'s' if count != 1 else ''} out: none chosen"


def facts(detail: AlarmDetail) -> dict[str, str]:
    """The window's fact rows for an alarm about a person (keys as AlarmWindow.facts)."""
    who = person(detail)
    visits = who.visits
    others = [s for v in visits for s in v.staff if s.id != who.staff.id]
    staff = [f"{who.name}  {_phone(who.staff.mobile)}"]
    staff += [f"with {s.name}  {_phone(s.mobile)}" for s in others]
    return {
        "visit": _visits_out(len(visits)),
        "address": who.where,
        "staff": "\n".join(staff),
        "contact": f"Text from {_phone(who.staff.mobile)} at {fmt_time(detail.alarm.raised_at)}",
        "back": "; ".join(f"{v.household.name} {fmt_time(v.expected_return)}" for v in visits)
        or "Not expected anywhere: no visit out",
        "vehicle": _vehicle_fact(who),
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
    if not who.visits:
        rows.append(("Vehicle", e(_vehicle_fact(who))))
    rows.append(("Where", e(who.where)))
    for v in who.visits:
        rows.append(("Visit out", e(f"{place(v)}, expected back {fmt_time(v.expected_return)}")))
        rows.append(("Vehicle", e(car(v.vehicle_staff, NO_CAR_BOOKED))))
        rows.append(("Known risks", e(f"{v.household.name}: {risk_summary(v.household)}")))
    rows.append(("Raised", e(fmt_time(detail.alarm.raised_at))))
    rows.append(("Why we are worried", e(detail.alarm.reason)))
    body = "".join(
        f"<tr><td style='padding:2px 8px 2px 0'><b>{k}</b></td><td>{val}</td></tr>"
        for k, val in rows
    )
    return f"<h3>Police information sheet</h3><table>{body}</table>"
