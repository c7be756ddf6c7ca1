"""PolicySettings: every rule where the five seed schools differ, with a preset per school.

Sources are the policies in shared/seeds/ (000 St Hugh's, 001 Hampton, 002 Harborne,
003 Harrogate, 004 Thomas More). Values are minutes unless the name says otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import time
from typing import Any


@dataclass(frozen=True)
class PolicySettings:
    preset: str = "harborne"
    school_name: str = "Harborne Primary School"
    approver_title: str = "Headteacher"
    # check-ins while out
    checkin_interval_min: int = 60
    office_call_after_start_min: int | None = 10  # office rings the worker N min after the start
    checkin_before_and_after: bool = True
    checkin_grace_min: int = 5  # amber at due time, red alarm after this grace
    amber_warning_min: int = 5  # amber this long before a due time
    return_grace_min: int = 0  # after the expected return before an alarm (Hampton 30)
    late_phone_reminder_min: int | None = None  # staff must phone if > N min late (Hampton 15)
    # parents not present
    parent_wait_min: int = 20
    parent_wait_if_late_notice_min: int | None = None  # Harrogate 30
    # staffing and approval
    min_staff: int = 2
    lone_visits_allowed: bool = True  # approver may decide a lone visit (not Hampton)
    approval_required: bool = True
    commute_visits_need_approval: bool = True  # on the way to/from work (Hampton)
    dbs_required: bool = True
    dbs_valid_years: int = 3
    lone_working_valid_months: int = 12
    reuse_first_assessment: bool = True  # Thomas More
    # hours
    school_day_start: time = time(8, 30)
    school_day_end: time = time(16, 0)
    evening_from: time = time(18, 0)
    out_of_hours_needs_reason: bool = True
    # visits
    default_duration_min: int = 45
    default_travel_min: int = 15
    # escalation ladder: minutes per step before the next is prompted
    escalation_step_min: int = 5
    police_non_emergency: str = "101"
    police_emergency: str = "999"
    # an alarm nobody takes on a PC within this goes to the escalation contacts, the next contact
    # every this many minutes after (duress: at once)
    escalate_after_min: int = 2
    # calendar export
    ics_include_address: bool = False
    ics_include_pupil: bool = False
    # cancellation notes for safety go to this role (Harborne head, Harrogate AHT)
    cancellation_note_to: str = "Headteacher"
    # texts from the field: a school-wide duress word (besides each person's safe word), and a
    # text to the worker when a check-in falls due ("reply OK and your PIN")
    text_duress_word: str = ""
    text_safety_check: bool = False
    # accounts: wrong passwords before a lock-out, its length (doubling on each repeat), idle lock
    signin_failures_before_lock: int = 5
    signin_lock_min: int = 15
    idle_lock_min: int = 10
    # seed rules on who goes, what they drive and who is told
    lone_working_assessment_for_any_lone_visit: bool = (
        True  # St Hugh's: 'prior to any lone working'
    )
    business_insurance_if_pupil_transported: bool = False  # Harrogate 2.6
    outside_agency_companion: bool = False  # Thomas More: 'school staff or an outside agency'
    parent_present_unless_attendance: bool = False  # Thomas More: parent/carer present
    tell_family_on_cancel: bool = False  # Hampton: families told at the earliest opportunity
    # attendance triggers (Harborne: 3rd day, 1st with a safeguarding concern; Harrogate: < 90%)
    attendance_visit_on_day: int | None = None
    attendance_visit_on_day_flagged: int | None = None
    attendance_flag_below_percent: int | None = None
    attendance_window_months: int = 3
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, time):
                data[key] = value.strftime("%H:%M")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolicySettings:
        known = {f.name: f for f in fields(cls)}
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if isinstance(getattr(cls(), key), time) and isinstance(value, str):
                hh, mm = value.split(":")
                value = time(int(hh), int(mm))
            clean[key] = value
        return cls(**clean)

    def with_changes(self, **changes: Any) -> PolicySettings:
        return replace(self, **changes)


PRESETS: dict[str, PolicySettings] = {
    "st_hughs": PolicySettings(
        preset="st_hughs",
        school_name="St Hugh's Catholic Primary School",
        approver_title="Executive Headteacher",
        checkin_interval_min=120,
        office_call_after_start_min=None,
        parent_wait_min=10,
        min_staff=1,
        lone_visits_allowed=True,
        approval_required=True,
        commute_visits_need_approval=False,
        reuse_first_assessment=False,
        cancellation_note_to="Executive Headteacher",
    ),
    "hampton": PolicySettings(
        preset="hampton",
        school_name="Hampton Infant School and Nursery",
        approver_title="Head of School",
        checkin_interval_min=120,
        office_call_after_start_min=None,
        return_grace_min=30,
        late_phone_reminder_min=15,
        parent_wait_min=20,
        min_staff=2,
        lone_visits_allowed=False,
        commute_visits_need_approval=True,
        reuse_first_assessment=False,
        cancellation_note_to="Head of School",
        tell_family_on_cancel=True,
    ),
    "harborne": PolicySettings(attendance_visit_on_day=3, attendance_visit_on_day_flagged=1),
    "harrogate": PolicySettings(
        preset="harrogate",
        school_name="Harrogate High School",
        approver_title="Assistant Headteacher",
        checkin_interval_min=120,
        office_call_after_start_min=None,
        parent_wait_min=20,
        parent_wait_if_late_notice_min=30,
        min_staff=1,
        commute_visits_need_approval=False,
        reuse_first_assessment=False,
        cancellation_note_to="Assistant Headteacher",
        business_insurance_if_pupil_transported=True,
        attendance_flag_below_percent=90,
    ),
    "thomas_more": PolicySettings(
        preset="thomas_more",
        school_name="Thomas More Catholic School",
        approver_title="Senior Leader",
        checkin_interval_min=120,
        office_call_after_start_min=None,
        return_grace_min=0,
        parent_wait_min=20,
        min_staff=2,
        lone_visits_allowed=True,
        commute_visits_need_approval=False,
        reuse_first_assessment=True,
        cancellation_note_to="Senior Leader",
        outside_agency_companion=True,
        parent_present_unless_attendance=True,
    ),
}

PRESET_LABELS = {
    "st_hughs": "St Hugh's Catholic Primary (attendance officer)",
    "hampton": "Hampton Infant School and Nursery (Reception induction)",
    "harborne": "Harborne Primary",
    "harrogate": "Harrogate High (attendance team)",
    "thomas_more": "Thomas More Catholic School",
}

# Human labels and limits for the Settings screen and validation: (label, min, max)
NUMBER_FIELDS: dict[str, tuple[str, int, int]] = {
    "checkin_interval_min": ("Check-in interval while out (min)", 15, 480),
    "checkin_grace_min": ("Grace after a check-in is due before the alarm (min)", 0, 60),
    "amber_warning_min": ("Amber warning before a due time (min)", 0, 60),
    "return_grace_min": ("Grace after the expected return (min)", 0, 120),
    "parent_wait_min": ("Wait for parents who are not present (min)", 0, 60),
    "min_staff": ("Minimum staff on a visit", 1, 4),
    "dbs_valid_years": ("DBS check counts as current for (years)", 1, 10),
    "lone_working_valid_months": ("Lone working assessment current for (months)", 1, 36),
    "default_duration_min": ("Default visit length (min)", 5, 480),
    "default_travel_min": ("Default travel each way (min)", 0, 180),
    "escalation_step_min": ("Minutes per escalation step", 1, 60),
    "escalate_after_min": ("Minutes before an untaken alarm is texted and emailed out", 1, 30),
    "signin_failures_before_lock": ("Wrong passwords before an account locks", 3, 20),
    "signin_lock_min": ("First lock-out lasts (min; doubles on each repeat)", 1, 240),
    "idle_lock_min": ("Lock an idle session after (min)", 1, 240),
    "attendance_window_months": ("Attendance percentage over the last (months)", 1, 12),
}
OPTIONAL_NUMBER_FIELDS: dict[str, tuple[str, int, int]] = {
    "office_call_after_start_min": ("Office calls the worker after the start (min)", 1, 60),
    "late_phone_reminder_min": ("Staff must phone if running late by more than (min)", 1, 120),
    "parent_wait_if_late_notice_min": ("Wait if parents said they are late (min)", 1, 90),
    "attendance_visit_on_day": ("Suggest a visit on this day of unexplained absence", 1, 20),
    "attendance_visit_on_day_flagged": ("… or this day with a safeguarding flag", 1, 20),
    "attendance_flag_below_percent": ("Flag attendance below (%)", 50, 100),
}
BOOL_FIELDS: dict[str, str] = {
    "lone_visits_allowed": "An approver may allow a lone visit",
    "approval_required": "Every visit needs approval before it starts",
    "commute_visits_need_approval": "Visits on the way to or from work need approval",
    "dbs_required": "Staff need a current DBS check to be assigned",
    "reuse_first_assessment": "Reuse the first visit's risk assessment for later visits",
    "out_of_hours_needs_reason": "Out-of-hours visits need a reason and responsible contact",
    "ics_include_address": "Calendar export includes the address",
    "ics_include_pupil": "Calendar export includes the pupil's name",
    "text_safety_check": "Text staff when a check-in falls due (reply OK and their PIN)",
    "lone_working_assessment_for_any_lone_visit": "Any lone visit needs a lone working assessment",
    "business_insurance_if_pupil_transported": "Business insurance needed to transport a pupil",
    "outside_agency_companion": "A companion may be from an outside agency",
    "parent_present_unless_attendance": "Visit only with a parent present (unless attendance)",
    "tell_family_on_cancel": "Tell the family when a visit is cancelled",
}
TIME_FIELDS: dict[str, str] = {
    "school_day_start": "School day starts",
    "school_day_end": "School day ends",
    "evening_from": "Evening starts (visits strongly discouraged)",
}


def preset(name: str) -> PolicySettings:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(
            f"unknown policy preset {name!r}; choose one of {', '.join(PRESETS)}"
        ) from None
