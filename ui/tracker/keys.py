"""One key for every record the office makes on Today, the same in the menus, the tooltips, the
Today buttons and the Keyboard help (F1). Each acts on the visit selected on Today (or asks which).
"""

from __future__ import annotations

# Today's button key -> (shortcut, what the Visit menu calls it)
RECORD_KEYS: dict[str, tuple[str, str]] = {
    "depart": ("Ctrl+Shift+O", "Departed"),
    "arrive": ("Ctrl+Shift+A", "Arrived"),
    "check_in": ("Ctrl+Shift+K", "Check in"),
    "call_ok": ("Ctrl+Shift+C", "Office call: answered"),
    "call_none": ("Ctrl+Shift+X", "Office call: no answer"),
    "left": ("Ctrl+Shift+L", "Left the property"),
    "returned": ("Ctrl+Shift+R", "Returned"),
    "late": ("Ctrl+Shift+T", "Running late…"),
    "absent": ("Ctrl+Shift+P", "Parent not present…"),
    "duress": ("Ctrl+Shift+D", "Duress!"),
    "alarm": ("Ctrl+Shift+M", "Open alarm"),
}
TAKE_ALARM_KEY = "Alt+H"


def key_of(record: str) -> str:
    return RECORD_KEYS[record][0] if record in RECORD_KEYS else ""


def with_key(text: str, record: str) -> str:
    """A tooltip that says the key: 'Record a check-in call (Ctrl+Shift+K)'."""
    key = key_of(record)
    return f"{text} ({key})" if key else text
