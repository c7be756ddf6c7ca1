"""How a risk level and a finding read on screen: an icon and a word as well as a colour."""

from __future__ import annotations

from hvdesk.models import RiskLevel
from hvdesk.rules.approval import Severity

# level -> (icon, word, text colour, background)
LEVEL_STYLE: dict[RiskLevel, tuple[str, str, str, str]] = {
    RiskLevel.LOW: ("●", "Low", "#1b5e20", "#e8f5e9"),
    RiskLevel.MEDIUM: ("▲", "Medium", "#7a4f00", "#fff4d6"),
    RiskLevel.HIGH: ("✖", "High", "#b00020", "#fdecea"),
}
SEVERITY_STYLE: dict[Severity, tuple[str, str, str]] = {
    Severity.BLOCK: ("✖", "Blocked", "#b00020"),
    Severity.DECISION: ("◆", "Decision needed", "#4a148c"),
    Severity.STRONG_WARNING: ("⚠", "Strong warning", "#b00020"),
    Severity.WARNING: ("⚠", "Warning", "#7a4f00"),
}


def level_badge(level: RiskLevel | str) -> str:
    icon, word, _fg, _bg = LEVEL_STYLE[RiskLevel(level)]
    return f"{icon} {word}"


def level_css(level: RiskLevel | str) -> str:
    _icon, _word, fg, bg = LEVEL_STYLE[RiskLevel(level)]
    return f"color: {fg}; background: {bg}; border: 1px solid {fg}; padding: 4px 8px;"
