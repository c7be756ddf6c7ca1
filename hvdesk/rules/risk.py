"""Risk rating, the St Hugh's hazards table and the home visit risk assessment as plain data.

Sources: St Hugh's Lone Working Risk Assessment (shared/seeds/000), Hampton's 'When not to visit' and
Personal Safety Checklist (001), Harrogate's 'CPOMS must be checked' (003), Thomas More's social
worker rule and reuse of the first visit's assessment (004). Everything here is pure: the wizard
edits an AssessmentForm, the service stores it, and summarise() says what it adds up to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hvdesk.models import RiskKind, RiskLevel

SEVERITY = {1: "Minor injury", 2: "Serious injury", 3: "Major injury may occur"}
LIKELIHOOD = {1: "Remote possibility", 2: "Possible", 3: "Likely"}


def rate(severity: int, likelihood: int) -> RiskLevel:
    """Severity x likelihood on 1-3 scales: up to 3 low, 4 medium, 6 and over high.

    Matches the St Hugh's form, where a major injury that is a remote possibility is Low.
    """
    if severity not in SEVERITY or likelihood not in LIKELIHOOD:
        raise ValueError("severity and likelihood are 1, 2 or 3")
    score = severity * likelihood
    if score <= 3:
        return RiskLevel.LOW
    if score == 4:
        return RiskLevel.MEDIUM
    return RiskLevel.HIGH


ST_HUGHS_HAZARDS: list[dict[str, object]] = [
    {
        "hazard": "Aggressive or violent parent/pupil/family member",
        "people": "Member of staff may be harmed",
        "severity": 3,
        "likelihood": 1,
        "severity_text": "Major injury may occur",
        "controls": "Risk reduced by informing school staff team prior to visit. 2 person visit if "
        "aware of home circumstances. Take mobile phone for communication.",
    },
    {
        "hazard": "Driving",
        "people": "Member of staff may be harmed",
        "severity": 3,
        "likelihood": 1,
        "severity_text": "Vehicle breakdown, accident, intruder in vehicle when unattended, use of "
        "mobile phone, fatigue",
        "controls": "Maintain vehicle properly. Belong to a breakdown organisation. Carry phone for "
        "emergency. Phone in if plan changes. Do not leave valuables in car (e.g. laptop). "
        "Avoid risky areas.",
    },
    {
        "hazard": "Movement through public areas e.g. to/from car parks",
        "people": "Member of staff may be harmed",
        "severity": 3,
        "likelihood": 1,
        "severity_text": "Attack, theft of property",
        "controls": "Back down from confrontation. Call for help. Surrender valuables if personal "
        "safety is at risk. Use staff bus or public transport if available. Post incident support.",
    },
    {
        "hazard": "Illness or injury/accident",
        "people": "Member of staff may be harmed or injured",
        "severity": 3,
        "likelihood": 1,
        "severity_text": "Illness or injury",
        "controls": "Alert emergency services if appropriate. Alert team members if able to. "
        "Ensure access to phone. Take prescribed medication as directed or as needed. Complete "
        "injury at work protocol on return.",
    },
    {
        "hazard": "Attack by dog or other animal",
        "people": "Member of staff may be harmed or injured",
        "severity": 3,
        "likelihood": 1,
        "severity_text": "Major injury may occur",
        "controls": "Avoid contact with animals. Seek local advice before entering premises with "
        "animals. Appropriate behaviour near animals: avoid alarming them, e.g. sudden movements.",
    },
]

# Hampton's 'When not to visit' (shared/seeds/001): any yes blocks the visit.
WHEN_NOT_TO_VISIT: dict[str, str] = {
    "high_risk": "Is the assessed risk of aggression, violence or harm believed to be high?",
    "recent_violence": "Has violence recently occurred, with the perpetrator at the address or "
    "likely to return or arrive during the visit?",
    "aggression_intoxication": "Are the parents or other people present showing signs of "
    "aggression and/or intoxication by alcohol or drugs?",
}

# Hampton's Personal Safety Checklist.
PERSONAL_SAFETY_CHECKLIST: dict[str, str] = {
    "information": "Have I gathered all possible information that may alert me to risk?",
    "expected": "Do they know I'm coming?",
    "recorded_where": "Did I record where I'm going?",
    "recorded_contact": "Did I record how to contact me?",
    "recorded_return": "Did I record when I should be back?",
    "journey": "Is my journey as safe as it could be?",
    "belongings": "Have I prepared only necessary belongings, paperwork and equipment?",
    "environment": "Is the physical environment safe?",
    "family": "Is the family responding to me appropriately?",
    "feel_safe": "Do I feel safe?",
    "exit": "Do I know my exit strategy?",
}

# Statements for a 'yes' answer, used when a visit is blocked (same keys as WHEN_NOT_TO_VISIT).
WHEN_NOT_TO_VISIT_STATEMENTS: dict[str, str] = {
    "high_risk": "The assessed risk of aggression, violence or harm is believed to be high.",
    "recent_violence": "Violence has recently occurred and the perpetrator is at the address or "
    "likely to return or arrive during the visit.",
    "aggression_intoxication": "The parents or other people present are showing signs of "
    "aggression and/or intoxication by alcohol or drugs.",
}

# Information gathered before the visit (Hampton 'access existing information', Harrogate 2.2,
# Thomas More's social worker rule). Keys are stored in RiskAssessment.information.
INFORMATION: dict[str, str] = {
    "cpoms_checked": "CPOMS (or MyConcern) checked for any identified risks to staff",
    "mis_checked": "MIS record checked (contacts, medical needs, notes)",
    "other_services": "Other services are involved with the family (e.g. Early Help, police)",
    "other_services_contacted": "Those services contacted to ask about any concerns for staff",
    "social_worker": "The family has a social worker",
    "social_worker_contacted": "Social worker told about the visit (before, or immediately after)",
}

# The household risks the wizard asks about, in order, with the words the policies use.
ASSESSED_RISKS: dict[str, str] = {
    RiskKind.ANIMALS.value: "Animals (e.g. dogs): potentially dangerous animals in the home",
    RiskKind.AGGRESSION.value: "Aggression towards staff, by parents or others",
    RiskKind.INTOXICATION.value: "Intoxication by alcohol or drugs",
    RiskKind.RECENT_VIOLENCE.value: "Recent violence at the address",
    RiskKind.UNEXPECTED_ADULTS.value: "Unexpected or unknown adults at the home",
}
# A known risk of these kinds makes the overall level at least Medium.
RAISING_RISKS = (
    RiskKind.AGGRESSION.value,
    RiskKind.INTOXICATION.value,
    RiskKind.RECENT_VIOLENCE.value,
)

LEVEL_LABELS = {RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}
_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


def highest(levels: list[RiskLevel]) -> RiskLevel:
    return max(levels, key=_ORDER.__getitem__, default=RiskLevel.LOW)


@dataclass
class HazardRow:
    """One row of the hazards table; the level is always computed, never typed."""

    hazard: str = ""
    people: str = "Member of staff may be harmed"
    severity: int = 1
    likelihood: int = 1
    severity_text: str = ""
    controls: str = ""

    @property
    def valid(self) -> bool:
        return self.severity in SEVERITY and self.likelihood in LIKELIHOOD

    @property
    def level(self) -> RiskLevel:
        return rate(self.severity, self.likelihood) if self.valid else RiskLevel.HIGH

    def to_dict(self) -> dict[str, Any]:
        return {
            "hazard": self.hazard,
            "people": self.people,
            "severity": self.severity,
            "likelihood": self.likelihood,
            "severity_text": self.severity_text,
            "controls": self.controls,
            "level": self.level.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HazardRow:
        return cls(
            hazard=str(data.get("hazard", "")),
            people=str(data.get("people", "")),
            severity=int(data.get("severity", 1)),
            likelihood=int(data.get("likelihood", 1)),
            severity_text=str(data.get("severity_text", "")),
            controls=str(data.get("controls", "")),
        )


def st_hughs_rows() -> list[HazardRow]:
    """The five St Hugh's hazards, as new rows the assessor can re-rate."""
    return [HazardRow.from_dict(dict(h)) for h in ST_HUGHS_HAZARDS]


@dataclass
class KnownRiskAnswer:
    present: bool = False
    note: str = ""
    new: bool = False  # recorded on the household since the assessment this one starts from


@dataclass
class AssessmentForm:
    """Everything the risk-assessment wizard edits: plain data the service saves and resumes.

    when_not_to_visit answers are None until answered: an unanswered safety question is never
    taken as 'no'.
    """

    household_id: int
    visit_id: int | None = None
    assessment_id: int | None = None  # the stored draft, once saved
    based_on_id: int | None = None  # the household's last assessment (Thomas More)
    based_on_text: str = ""  # "assessed 12 Oct 2026 by Jasmin Patel: Low"
    household_name: str = ""
    visit_text: str = ""
    information: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(INFORMATION, False))
    information_notes: str = ""
    known_risks: dict[str, KnownRiskAnswer] = field(
        default_factory=lambda: {k: KnownRiskAnswer() for k in ASSESSED_RISKS}
    )
    other_risks: str = ""  # anything else known at the address
    when_not_to_visit: dict[str, bool | None] = field(
        default_factory=lambda: dict.fromkeys(WHEN_NOT_TO_VISIT)
    )
    hazards: list[HazardRow] = field(default_factory=st_hughs_rows)
    checklist: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(PERSONAL_SAFETY_CHECKLIST, False)
    )
    changes_note: str = ""  # what has changed since the last assessment
    assessor_name: str = ""

    @property
    def is_review(self) -> bool:
        return self.based_on_id is not None


@dataclass(frozen=True)
class Blocker:
    """Why a visit must not go ahead, and what (a change in the facts) would unblock it."""

    reason: str
    fix: str


@dataclass(frozen=True)
class AssessmentSummary:
    level: RiskLevel
    level_reasons: list[str]
    blockers: list[Blocker]
    warnings: list[str]

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def block_text(self) -> str:
        return "\n".join(f"{b.reason} To unblock: {b.fix}" for b in self.blockers)


def overall_level(form: AssessmentForm) -> tuple[RiskLevel, list[str]]:
    """The overall level and the reasons for it, in words an approver can check.

    Highest hazard level; at least Medium with a known risk of aggression, intoxication or recent
    violence; High when any 'when not to visit' answer is yes.
    """
    levels = [RiskLevel.LOW]
    reasons: list[str] = []
    rated = [h for h in form.hazards if h.hazard.strip()]
    top = highest([h.level for h in rated])
    if rated and top is not RiskLevel.LOW:
        names = ", ".join(h.hazard for h in rated if h.level is top)
        reasons.append(f"{LEVEL_LABELS[top]} hazard: {names}")
    levels.append(top)
    raising = [
        ASSESSED_RISKS[k].split(" (")[0].split(":")[0]
        for k in RAISING_RISKS
        if form.known_risks.get(k, KnownRiskAnswer()).present
    ]
    if raising:
        levels.append(RiskLevel.MEDIUM)
        reasons.append("Known risk at the household: " + ", ".join(raising))
    yes = [k for k, answer in form.when_not_to_visit.items() if answer]
    if yes:
        levels.append(RiskLevel.HIGH)
        reasons.append("'When not to visit' answered yes")
    level = highest(levels)
    if not reasons:
        reasons.append("Every hazard is rated Low and no serious risk is known")
    return level, reasons


def blockers(form: AssessmentForm) -> list[Blocker]:
    """Hampton: staff should not visit a home if any 'when not to visit' answer is yes, and the
    school will not visit where there is an unacceptable (High) level of risk."""
    found = [
        Blocker(
            f"Do not visit: {WHEN_NOT_TO_VISIT_STATEMENTS[key]}",
            "only a change in the facts unblocks this visit. When this is no longer true, answer "
            "the question again in the risk assessment; until then consider meeting in school, "
            "a phone call, or contact through the social worker.",
        )
        for key, answer in form.when_not_to_visit.items()
        if answer and key in WHEN_NOT_TO_VISIT_STATEMENTS
    ]
    high = [h for h in form.hazards if h.hazard.strip() and h.level is RiskLevel.HIGH]
    if high:
        names = ", ".join(f"'{h.hazard}'" for h in high)
        found.append(
            Blocker(
                f"High risk: {names} rated High (severity x likelihood).",
                "change the facts so the likelihood or severity falls (e.g. meet in school, ask "
                "for the animal to be shut away, visit with a colleague), then re-rate the hazard.",
            )
        )
    return found


def warnings(form: AssessmentForm) -> list[str]:
    """Things the approver should see but that do not on their own stop a visit."""
    found: list[str] = []
    info = form.information
    if not info.get("cpoms_checked"):
        found.append("CPOMS has not been checked for risks to staff (check it before visiting).")
    if info.get("other_services") and not info.get("other_services_contacted"):
        found.append("Other services are involved but have not been asked about risks to staff.")
    if info.get("social_worker") and not info.get("social_worker_contacted"):
        found.append(
            "The family has a social worker who has not been told: tell them before the visit "
            "or immediately after."
        )
    unticked = [q for k, q in PERSONAL_SAFETY_CHECKLIST.items() if not form.checklist.get(k)]
    if unticked:
        shown = " ".join(unticked[:3]) + (
            f" and {len(unticked) - 3} more" if len(unticked) > 3 else ""
        )
        found.append(
            f"Personal safety checklist: {len(unticked)} of {len(PERSONAL_SAFETY_CHECKLIST)} "
            f"not yet confirmed: {shown}"
        )
    for key, answer in form.known_risks.items():
        if answer.present and key == RiskKind.ANIMALS.value:
            found.append(
                "Animals at the home: ask for them to be kept in a separate room or outside; "
                "if the family cannot, the visit is cancelled."
            )
        if answer.present and key == RiskKind.UNEXPECTED_ADULTS.value:
            found.append(
                "Unexpected adults may be present: make sure the parent/carer is home and you "
                "feel safe before entering."
            )
    return found


def summarise(form: AssessmentForm) -> AssessmentSummary:
    level, reasons = overall_level(form)
    return AssessmentSummary(level, reasons, blockers(form), warnings(form))
