"""Pure rules: risk rating, overall level, blockers, and every approval check for each preset."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hvdesk.models import LoneWorkingAssessment, RiskLevel, Staff
from hvdesk.policy import PRESETS, preset
from hvdesk.rules.approval import (
    AssessmentFacts,
    Severity,
    VisitFacts,
    check_visit,
    needs_approval,
)
from hvdesk.rules.risk import (
    PERSONAL_SAFETY_CHECKLIST,
    WHEN_NOT_TO_VISIT,
    AssessmentForm,
    HazardRow,
    KnownRiskAnswer,
    rate,
    st_hughs_rows,
    summarise,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday
TOMORROW_10 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HARBORNE = preset("harborne")


def person(name="Jo Bloggs", dbs=date(2025, 1, 1), lone=(date(2026, 9, 1),)) -> Staff:
    staff = Staff(name=name, mobile="+447700900123", dbs_date=dbs)
    staff.lone_working = [
        LoneWorkingAssessment(signed_on=d, mobile="+447700900123", safe_word="x") for d in lone
    ]
    return staff


def safe_form(**changes) -> AssessmentForm:
    form = AssessmentForm(household_id=1)
    form.when_not_to_visit = dict.fromkeys(WHEN_NOT_TO_VISIT, False)
    form.checklist = dict.fromkeys(PERSONAL_SAFETY_CHECKLIST, True)
    form.information.update(cpoms_checked=True, mis_checked=True)
    for key, value in changes.items():
        setattr(form, key, value)
    return form


def assessed(form: AssessmentForm | None = None, **extra) -> AssessmentFacts:
    form = form or safe_form()
    return AssessmentFacts(
        status="complete",
        summary=summarise(form),
        assessed_at=NOW - timedelta(days=1),
        information=dict(form.information),
        **extra,
    )


def facts(staff=None, start=TOMORROW_10, minutes=45, **changes) -> VisitFacts:
    base = VisitFacts(
        start=start,
        end=start + timedelta(minutes=minutes),
        staff=staff if staff is not None else [person("Ann"), person("Ben")],
        assessment=assessed(),
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def codes(check, severity=None):
    return [f.code for f in check.findings if severity is None or f.severity is severity]


# --- risk rating and the overall level ------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "likelihood", "level"),
    [
        (1, 1, RiskLevel.LOW),
        (3, 1, RiskLevel.LOW),  # St Hugh's: major injury, remote possibility -> Low
        (1, 3, RiskLevel.LOW),
        (2, 2, RiskLevel.MEDIUM),
        (3, 2, RiskLevel.HIGH),
        (2, 3, RiskLevel.HIGH),
        (3, 3, RiskLevel.HIGH),
    ],
)
def test_rate(severity, likelihood, level):
    assert rate(severity, likelihood) is level


def test_rate_refuses_out_of_range():
    with pytest.raises(ValueError, match="1, 2 or 3"):
        rate(0, 2)
    assert HazardRow("x", severity=4).level is RiskLevel.HIGH  # never silently low


def test_st_hughs_five_prefilled_all_low():
    rows = st_hughs_rows()
    assert [r.hazard.split()[0] for r in rows] == [
        "Aggressive",
        "Driving",
        "Movement",
        "Illness",
        "Attack",
    ]
    summary = summarise(safe_form())
    assert summary.level is RiskLevel.LOW and not summary.blocked and summary.warnings == []


def test_known_aggression_raises_to_medium_with_reason():
    form = safe_form()
    form.known_risks["aggression"] = KnownRiskAnswer(True, "Partner shouted at staff in 2025")
    summary = summarise(form)
    assert summary.level is RiskLevel.MEDIUM
    assert any("Aggression" in r for r in summary.level_reasons)
    assert not summary.blocked


def test_animals_do_not_raise_but_warn():
    form = safe_form()
    form.known_risks["animals"] = KnownRiskAnswer(True, "Large dog")
    summary = summarise(form)
    assert summary.level is RiskLevel.LOW
    assert any("separate room" in w for w in summary.warnings)


@pytest.mark.parametrize("question", list(WHEN_NOT_TO_VISIT))
def test_any_when_not_to_visit_yes_blocks(question):
    form = safe_form()
    form.when_not_to_visit[question] = True
    summary = summarise(form)
    assert summary.level is RiskLevel.HIGH and summary.blocked
    assert summary.blockers[0].reason.startswith("Do not visit:")
    assert "change in the facts" in summary.blockers[0].fix


def test_unanswered_question_is_not_a_no_and_not_a_block():
    form = safe_form()
    form.when_not_to_visit["high_risk"] = None
    assert not summarise(form).blocked  # completion validation insists on an answer instead


def test_high_hazard_blocks_and_says_what_would_unblock():
    form = safe_form()
    form.hazards[4].likelihood = 3  # dog attack: major injury, likely
    summary = summarise(form)
    assert summary.level is RiskLevel.HIGH
    assert "Attack by dog" in summary.blockers[0].reason
    assert "re-rate" in summary.blockers[0].fix
    form.hazards[4].severity, form.hazards[4].likelihood = 2, 2  # dog shut away: facts change
    assert summarise(form).level is RiskLevel.MEDIUM and not summarise(form).blocked


def test_information_and_checklist_warnings():
    form = safe_form()
    form.information.update(cpoms_checked=False, other_services=True, social_worker=True)
    form.checklist["exit"] = False
    text = " ".join(summarise(form).warnings)
    assert "CPOMS" in text and "Other services" in text and "social worker" in text
    assert "Do I know my exit strategy?" in text


# --- approval checks -----------------------------------------------------------------------


def test_clean_pair_visit_has_no_findings():
    check = check_visit(facts(), HARBORNE, NOW)
    assert check.findings == [] and check.can_approve and not check.needs_note
    assert check.headline == "✓ No warnings"


def test_dbs_missing_or_lapsed_blocks_assignment():
    staff = [person("Ann"), person("Ben", dbs=date(2022, 1, 1))]
    check = check_visit(facts(staff), HARBORNE, NOW)
    assert codes(check, Severity.BLOCK) == ["dbs"]
    assert "Ben" in check.blocking[0].reason and "Staff screen" in check.blocking[0].fix
    no_dbs = check_visit(facts([person("Ann"), person("Cy", dbs=None)]), HARBORNE, NOW)
    assert "no DBS check" in no_dbs.blocking[0].reason
    relaxed = HARBORNE.with_changes(dbs_required=False)
    assert check_visit(facts(staff), relaxed, NOW).findings == []


def test_lone_visit_needs_reason_assessment_and_decision_harborne():
    check = check_visit(facts([person("Ann")]), HARBORNE, NOW)
    assert codes(check, Severity.BLOCK) == ["lone_reason_missing"]
    assert codes(check, Severity.DECISION) == ["lone_visit"]
    ok = check_visit(facts([person("Ann")], lone_visit_reason="Drop-off only"), HARBORNE, NOW)
    assert ok.can_approve and ok.needs_lone_decision and ok.needs_note
    assert "Drop-off only" in ok.decisions[0].reason


def test_lone_visit_without_current_lone_working_assessment_blocks():
    old = person("Ann", lone=(date(2025, 6, 1),))  # more than 12 months ago
    check = check_visit(facts([old], lone_visit_reason="Doorstep only"), HARBORNE, NOW)
    assert "lone_working_missing" in codes(check, Severity.BLOCK)
    assert "Lone working…" in check.blocking[0].fix


def test_hampton_never_allows_a_lone_visit():
    hampton = preset("hampton")
    check = check_visit(facts([person("Ann")], lone_visit_reason="short"), hampton, NOW)
    assert codes(check, Severity.BLOCK) == ["lone_not_allowed"]
    assert "not permitted" in check.blocking[0].reason
    assert "second member of staff" in check.blocking[0].fix


@pytest.mark.parametrize("name", list(PRESETS))
def test_one_member_of_staff_under_each_preset(name):
    policy = preset(name)
    check = check_visit(facts([person("Ann")], lone_visit_reason="Doorstep drop-off"), policy, NOW)
    if policy.min_staff <= 1:  # St Hugh's, Harrogate: one attendance officer is the norm
        assert check.findings == []
    elif policy.lone_visits_allowed:  # Harborne, Thomas More: the approver decides
        assert codes(check) == ["lone_visit"]
    else:  # Hampton
        assert codes(check) == ["lone_not_allowed"]


def test_out_of_hours_needs_reason_and_responsible_contact():
    late = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    check = check_visit(facts(start=late), HARBORNE, NOW)
    assert codes(check, Severity.BLOCK) == ["out_of_hours_reason", "out_of_hours_contact"]
    filled = facts(start=late, out_of_hours_reason="Father works days", responsible_contact="L F")
    check = check_visit(filled, HARBORNE, NOW)
    assert codes(check) == ["out_of_hours"] and check.needs_note
    assert "Father works days" in check.findings[0].reason
    relaxed = HARBORNE.with_changes(out_of_hours_needs_reason=False)
    assert codes(check_visit(facts(start=late), relaxed, NOW)) == ["out_of_hours"]


def test_weekend_is_out_of_hours():
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert "out_of_hours_reason" in codes(check_visit(facts(start=saturday), HARBORNE, NOW))


def test_evening_visit_is_a_strong_warning():
    evening = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    check = check_visit(
        facts(start=evening, out_of_hours_reason="Only time", responsible_contact="Head"),
        HARBORNE,
        NOW,
    )
    assert codes(check, Severity.STRONG_WARNING) == ["evening"]
    assert check.headline == "‼ evening, out of hours"
    assert "strongly recommended" in check.findings[0].reason  # worst first
    assert check.can_approve


def test_on_the_way_to_or_from_work_needs_approval_where_the_policy_says():
    commute = facts(on_way_to_from_work=True)
    assert codes(check_visit(commute, preset("hampton"), NOW)) == ["commute"]
    assert codes(check_visit(commute, preset("st_hughs"), NOW)) == []
    no_approval = preset("hampton").with_changes(approval_required=False)
    assert needs_approval(commute, no_approval)
    assert not needs_approval(facts(), no_approval)
    assert needs_approval(facts([person("Ann")]), no_approval)  # lone: always decided


def test_assessment_missing_draft_or_blocked_blocks():
    none = check_visit(facts(assessment=AssessmentFacts(status="none")), HARBORNE, NOW)
    assert codes(none) == ["no_assessment"]
    draft = check_visit(facts(assessment=AssessmentFacts(status="draft")), HARBORNE, NOW)
    assert codes(draft) == ["assessment_draft"]
    form = safe_form()
    form.when_not_to_visit["recent_violence"] = True
    blocked = check_visit(facts(assessment=assessed(form)), HARBORNE, NOW)
    assert codes(blocked, Severity.BLOCK) == ["assessment_blocked"]
    assert "perpetrator" in blocked.blocking[0].reason


def test_new_risk_since_assessment_needs_review():
    facts_ = facts(assessment=assessed(new_risks=["Aggression: partner back home"]))
    check = check_visit(facts_, HARBORNE, NOW)
    assert codes(check) == ["assessment_review"]
    assert "partner back home" in check.blocking[0].reason
    flagged = check_visit(facts(assessment=assessed(needs_review=True)), HARBORNE, NOW)
    assert codes(flagged) == ["assessment_review"]


def test_medium_risk_cpoms_and_social_worker_warnings():
    form = safe_form()
    form.known_risks["intoxication"] = KnownRiskAnswer(True, "Father drinks")
    form.information["cpoms_checked"] = False
    check = check_visit(facts(assessment=assessed(form), social_worker="Dana W"), HARBORNE, NOW)
    assert codes(check) == ["medium_risk", "cpoms", "social_worker"]
    assert all(f.severity is Severity.WARNING for f in check.findings)
    assert "Dana W" in check.findings[-1].reason


def test_start_passed_blocks():
    check = check_visit(facts(start=NOW - timedelta(minutes=5)), HARBORNE, NOW)
    assert codes(check) == ["start_passed"] and "cancel" in check.blocking[0].fix


def test_findings_sorted_worst_first_and_headline():
    evening = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    check = check_visit(facts([person("Ann")], start=evening), HARBORNE, NOW)
    severities = [f.severity for f in check.findings]
    assert severities == sorted(severities, key=list(Severity).index)
    assert check.headline.startswith("✖ Blocked:")


@pytest.mark.parametrize("name", ["st_hughs", "harrogate"])
def test_lone_working_assessment_required_before_any_lone_working(name):
    """St Hugh's: a lone worker risk assessment 'prior to the commencement of any lone working'.
    Where one member of staff is the school's minimum, the visit is still lone working."""
    policy = preset(name)
    alone = facts(staff=[person("Ann", lone=())])
    check = check_visit(alone, policy, NOW)
    assert "lone_working_missing" in codes(check, Severity.BLOCK)
    assert not check.can_approve
    signed = check_visit(facts(staff=[person("Ann")]), policy, NOW)
    assert "lone_working_missing" not in codes(signed, Severity.BLOCK)


def test_thomas_more_outside_agency_companion_counts_as_the_pair():
    """Thomas More: 'in pairs ... a member of school staff or an outside agency'."""
    policy = preset("thomas_more")
    alone = facts(staff=[person("Ann")], lone_visit_reason="")
    assert "lone_reason_missing" in codes(check_visit(alone, policy, NOW), Severity.BLOCK)
    paired = facts(staff=[person("Ann")], agency_companion="Ann Lee (Early Help, 07700 900111)")
    check = check_visit(paired, policy, NOW)
    assert not check.blocking and not check.needs_lone_decision
    # elsewhere an outside-agency companion does not make the pair
    harborne = check_visit(paired, HARBORNE, NOW)
    assert harborne.needs_lone_decision
