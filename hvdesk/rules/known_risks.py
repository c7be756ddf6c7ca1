"""Known risks at a household, as every screen and printed form names them.

Pure: the words for each kind of risk (from the seed policies' 'known risks' lists), which risks are
current (not ended), and the one-line summary the alarm window, the police sheet and the visit
record show. Printing takes these and never the services.
"""

from __future__ import annotations

from hvdesk.models import Household, KnownRisk, RiskKind

RISK_LABELS = {
    RiskKind.ANIMALS: "Animals (e.g. dogs)",
    RiskKind.AGGRESSION: "Aggression",
    RiskKind.INTOXICATION: "Intoxication (alcohol or drugs)",
    RiskKind.RECENT_VIOLENCE: "Recent violence",
    RiskKind.UNEXPECTED_ADULTS: "Unexpected adults",
    RiskKind.OTHER_SERVICES: "Other services involved",
    RiskKind.OTHER: "Other",
}


def short_label(kind: RiskKind) -> str:
    """The risk's name without its examples, as lists show it ("Animals")."""
    return RISK_LABELS[kind].split(" (")[0]


def current_risks(household: Household) -> list[KnownRisk]:
    """The risks not ended, as recorded."""
    return [r for r in household.risks if r.ended_at is None]


def risk_summary(household: Household) -> str:
    risks = current_risks(household)
    if not risks:
        return "None recorded"
    return "; ".join(
        f"{short_label(RiskKind(r.kind))}: {r.description}" for r in risks
    )
