"""Risk rating and the St Hugh's Lone Working hazards table (shared/seeds/000)."""

from __future__ import annotations

from hvdesk.models import RiskLevel

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
