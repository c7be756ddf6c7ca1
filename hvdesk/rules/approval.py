"""Approval checks that explain themselves (DESIGN.md section 6).

check_visit() turns the facts of one visit into findings. Each finding says, in plain English, what
the problem is and what would fix it, and how much it matters:

- BLOCK: the visit cannot be approved until the facts change;
- DECISION: the approver must decide explicitly (a lone visit, Harborne 4);
- STRONG_WARNING / WARNING: shown to the approver, who must write a note when approving.

Sources: Harborne (head approves every visit; two staff unless the head decides; DBS before
assignment; out of hours only with a responsible contact), Hampton (never alone; visits on the way
to or from work need the HoS's approval; when not to visit), St Hugh's (no evening visits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hvdesk.clock import fmt_date, fmt_datetime
from hvdesk.models import RiskLevel, Staff
from hvdesk.policy import PolicySettings
from hvdesk.rules.hours import is_evening, is_out_of_hours
from hvdesk.rules.risk import LEVEL_LABELS, AssessmentSummary
from hvdesk.rules.staffing import current_lone_working, dbs_problem


class Severity(StrEnum):
    BLOCK = "block"
    DECISION = "decision"
    STRONG_WARNING = "strong_warning"
    WARNING = "warning"


SEVERITY_BADGES = {
    Severity.BLOCK: "✖ Blocked",
    Severity.DECISION: "◆ Decision needed",
    Severity.STRONG_WARNING: "⚠ Strong warning",
    Severity.WARNING: "⚠ Warning",
}


@dataclass(frozen=True)
class Finding:
    code: str  # stable identifier, e.g. "lone_visit", "dbs"
    severity: Severity
    title: str  # short words for a list column: "lone visit", "evening"
    reason: str  # the whole sentence
    fix: str = ""  # what would resolve it ("" when nothing needs fixing)

    @property
    def text(self) -> str:
        return f"{self.reason} {('Fix: ' + self.fix) if self.fix else ''}".strip()


@dataclass
class AssessmentFacts:
    """What approval needs to know about the visit's risk assessment."""

    status: str  # "none" | "draft" | "complete"
    summary: AssessmentSummary | None = None
    assessed_at: datetime | None = None
    assessor_name: str = ""
    new_risks: list[str] = field(default_factory=list)  # recorded on the household since
    needs_review: bool = False  # Household.assessment_needs_review
    information: dict[str, bool] = field(default_factory=dict)


@dataclass
class VisitFacts:
    """The facts of one visit, loaded by the service; staff carry their lone-working history."""

    start: datetime
    end: datetime
    staff: Sequence[Staff]
    lone_visit_reason: str = ""
    out_of_hours_reason: str = ""
    responsible_contact: str = ""
    on_way_to_from_work: bool = False
    social_worker: str = ""  # the household's social worker, if any
    assessment: AssessmentFacts | None = None
    agency_companion: str = ""  # 'name (organisation)' of an outside-agency companion, if any

    def people(self, policy: PolicySettings) -> int:
        """Staff, plus an outside-agency companion where the policy accepts one (Thomas More)."""
        extra = bool(self.agency_companion.strip()) and policy.outside_agency_companion
        return len(self.staff) + int(extra)


@dataclass(frozen=True)
class ApprovalCheck:
    findings: list[Finding]
    needs_approval: bool = True

    def of(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity is severity]

    @property
    def blocking(self) -> list[Finding]:
        return self.of(Severity.BLOCK)

    @property
    def decisions(self) -> list[Finding]:
        return self.of(Severity.DECISION)

    @property
    def warnings(self) -> list[Finding]:
        return [
            f for f in self.findings if f.severity in (Severity.STRONG_WARNING, Severity.WARNING)
        ]

    @property
    def can_approve(self) -> bool:
        return not self.blocking

    @property
    def needs_note(self) -> bool:
        """UI.md: approve/reject need a note for anything with a warning or a decision."""
        return bool(self.decisions or self.warnings)

    @property
    def needs_lone_decision(self) -> bool:
        return any(f.code == "lone_visit" for f in self.decisions)

    @property
    def headline(self) -> str:
        """One phrase for a list: the worst finding first."""
        if self.blocking:
            return (
                SEVERITY_BADGES[Severity.BLOCK] + ": " + ", ".join(f.title for f in self.blocking)
            )
        rest = self.decisions + self.warnings
        if any(f.severity is Severity.STRONG_WARNING for f in rest):
            return "‼ " + ", ".join(f.title for f in rest)
        if rest:
            return "⚠ " + ", ".join(f.title for f in rest)
        return "✓ No warnings"


def lone_visit(staff_count: int, policy: PolicySettings) -> bool:
    return staff_count < policy.min_staff


def needs_approval(facts: VisitFacts, policy: PolicySettings) -> bool:
    """Whether an approver must decide, even where the school does not approve every visit."""
    if policy.approval_required or lone_visit(facts.people(policy), policy):
        return True
    if facts.on_way_to_from_work and policy.commute_visits_need_approval:
        return True
    return is_out_of_hours(facts.start, facts.end, policy)


def _staff_findings(facts: VisitFacts, policy: PolicySettings, today: date) -> list[Finding]:
    found: list[Finding] = []
    for person in facts.staff:
        problem = dbs_problem(person, policy, today)
        if problem:
            found.append(
                Finding(
                    "dbs",
                    Severity.BLOCK,
                    f"{person.name}: DBS",
                    f"Staff without a current DBS check cannot be assigned: {problem}.",
                    "record a current DBS check on the Staff screen, or choose another member of "
                    "staff.",
                )
            )
    count = facts.people(policy)
    if not lone_visit(count, policy):
        if count == 1 and policy.lone_working_assessment_for_any_lone_visit:
            found += _lone_working_missing(facts.staff, policy, today)
        return found
    if count == 0:
        found.append(
            Finding(
                "no_staff",
                Severity.BLOCK,
                "no staff",
                "No member of staff is assigned to this visit.",
                "assign a lead member of staff.",
            )
        )
        return found
    who = facts.staff[0].name
    if not policy.lone_visits_allowed:
        found.append(
            Finding(
                "lone_not_allowed",
                Severity.BLOCK,
                "lone visit",
                f"Only {count} member of staff is assigned and the school's policy does not allow "
                "lone visits ('Staff are not permitted to undertake home visits on their own').",
                f"add a second member of staff (the policy needs {policy.min_staff}).",
            )
        )
        return found
    found += _lone_working_missing(facts.staff, policy, today)
    if not facts.lone_visit_reason.strip():
        found.append(
            Finding(
                "lone_reason_missing",
                Severity.BLOCK,
                "no reason for a lone visit",
                f"{who} would visit alone but no reason for a lone visit is recorded.",
                "edit the visit and say why it is safe and appropriate to go alone, or add a "
                "second member of staff.",
            )
        )
    found.append(
        Finding(
            "lone_visit",
            Severity.DECISION,
            "lone visit",
            f"Lone visit: fewer than {policy.min_staff} staff ({who} alone). Reason given: "
            f"{facts.lone_visit_reason.strip() or 'none'}. The approver must decide that it is "
            "safe and appropriate for this visit to be conducted alone.",
            "",
        )
    )
    return found


def _lone_working_missing(
    staff: Sequence[Staff], policy: PolicySettings, today: date
) -> list[Finding]:
    """St Hugh's: a lone worker risk assessment 'prior to the commencement of any lone working',
    even where the school's minimum is one member of staff."""
    return [
        Finding(
            "lone_working_missing",
            Severity.BLOCK,
            f"{person.name}: no lone working assessment",
            f"{person.name} has no current lone working assessment on file "
            f"(one signed within {policy.lone_working_valid_months} months).",
            "record and sign a lone working assessment from the Staff screen "
            "(Lone working…), or add a second member of staff.",
        )
        for person in staff
        if current_lone_working(person.lone_working, policy, today) is None
    ]


def _hours_findings(facts: VisitFacts, policy: PolicySettings) -> list[Finding]:
    found: list[Finding] = []
    if is_out_of_hours(facts.start, facts.end, policy):
        reason, contact = facts.out_of_hours_reason.strip(), facts.responsible_contact.strip()
        if policy.out_of_hours_needs_reason and not reason:
            found.append(
                Finding(
                    "out_of_hours_reason",
                    Severity.BLOCK,
                    "out of hours: no reason",
                    "The visit is outside school hours and no reason is given (only when "
                    "absolutely necessary and there is no reasonable alternative).",
                    "edit the visit and give the reason it cannot happen in school hours, or move "
                    "it into the school day.",
                )
            )
        if policy.out_of_hours_needs_reason and not contact:
            found.append(
                Finding(
                    "out_of_hours_contact",
                    Severity.BLOCK,
                    "out of hours: no responsible contact",
                    "The visit is outside school hours and no responsible contact is named to check "
                    "on the welfare of the staff.",
                    "edit the visit and name the responsible contact and their phone number.",
                )
            )
        found.append(
            Finding(
                "out_of_hours",
                Severity.WARNING,
                "out of hours",
                f"Outside school hours ({policy.school_day_start:%H:%M}–"
                f"{policy.school_day_end:%H:%M}, weekdays). Reason: {reason or 'none given'}. "
                f"Responsible contact: {contact or 'none named'}.",
            )
        )
    if is_evening(facts.start, facts.end, policy):
        found.append(
            Finding(
                "evening",
                Severity.STRONG_WARNING,
                "evening",
                f"Evening visit (from {policy.evening_from:%H:%M}): it is strongly recommended "
                "that no one makes an evening home visit.",
                "move the visit into the school day if at all possible.",
            )
        )
    if facts.on_way_to_from_work and policy.commute_visits_need_approval:
        found.append(
            Finding(
                "commute",
                Severity.WARNING,
                "on the way to/from work",
                "Visit on the way to or from work: it should not happen without the prior "
                "approval of the approver, who should check the journey and check-in arrangements.",
            )
        )
    return found


def _assessment_findings(facts: VisitFacts) -> list[Finding]:
    ra = facts.assessment
    if ra is None or ra.status == "none":
        return [
            Finding(
                "no_assessment",
                Severity.BLOCK,
                "no risk assessment",
                "No risk assessment has been completed for this visit.",
                "complete one from the visit (Risk assessment…).",
            )
        ]
    if ra.status != "complete" or ra.summary is None:
        return [
            Finding(
                "assessment_draft",
                Severity.BLOCK,
                "risk assessment unfinished",
                "The risk assessment is still a draft.",
                "open Risk assessment… on the visit and finish it.",
            )
        ]
    found: list[Finding] = []
    summary = ra.summary
    for blocker in summary.blockers:
        found.append(
            Finding(
                "assessment_blocked",
                Severity.BLOCK,
                "risk: do not visit",
                blocker.reason,
                blocker.fix,
            )
        )
    if ra.new_risks or ra.needs_review:
        since = f" since {fmt_date(ra.assessed_at)}" if ra.assessed_at else ""
        what = "; ".join(ra.new_risks) if ra.new_risks else "see the household's known risks"
        found.append(
            Finding(
                "assessment_review",
                Severity.BLOCK,
                "assessment needs review",
                f"A new risk has been recorded at this household{since}: {what}.",
                "review the risk assessment (Risk assessment…) and say what has changed.",
            )
        )
    if summary.level is RiskLevel.MEDIUM and not summary.blockers:
        found.append(
            Finding(
                "medium_risk",
                Severity.WARNING,
                "medium risk",
                f"Overall risk level {LEVEL_LABELS[summary.level]}: "
                + "; ".join(summary.level_reasons)
                + ".",
                "check the controls in the hazards table are in place before approving.",
            )
        )
    info = ra.information
    if not info.get("cpoms_checked"):
        found.append(
            Finding(
                "cpoms",
                Severity.WARNING,
                "CPOMS not checked",
                "CPOMS has not been checked for risks to staff.",
                "check CPOMS and update the risk assessment.",
            )
        )
    if info.get("other_services") and not info.get("other_services_contacted"):
        found.append(
            Finding(
                "other_services",
                Severity.WARNING,
                "other services not contacted",
                "Other services are involved but have not been asked about concerns for staff.",
                "contact the service and update the risk assessment.",
            )
        )
    return found


def check_visit(facts: VisitFacts, policy: PolicySettings, now: datetime) -> ApprovalCheck:
    """Every finding for one visit, worst first. Pure: same facts, same answer."""
    today = now.date()
    found: list[Finding] = []
    if facts.start <= now:
        found.append(
            Finding(
                "start_passed",
                Severity.BLOCK,
                "start time passed",
                f"The visit was due to start {fmt_datetime(facts.start)}, which has passed.",
                "move the visit to a new time, or cancel it.",
            )
        )
    found += _assessment_findings(facts)
    found += _staff_findings(facts, policy, today)
    found += _hours_findings(facts, policy)
    if facts.social_worker:
        info = facts.assessment.information if facts.assessment else {}
        if not info.get("social_worker_contacted"):
            found.append(
                Finding(
                    "social_worker",
                    Severity.WARNING,
                    "social worker not told",
                    f"The family has a social worker ({facts.social_worker}) who has not been "
                    "told about the visit.",
                    "inform the social worker before the visit or immediately after.",
                )
            )
    order = list(Severity)
    found.sort(key=lambda f: order.index(f.severity))
    return ApprovalCheck(found, needs_approval(facts, policy))
