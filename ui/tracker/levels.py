"""How a level looks: an icon and a word as well as a colour (colour is never the only signal)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from hvdesk.rules.deadlines import LEVEL_WORDS, Level

ICONS = {Level.OK: "✓", Level.AMBER: "!", Level.RED: "‼", Level.DURESS: "⚠"}
# (text colour, background) with at least 4.5:1 contrast
COLOURS = {
    Level.OK: ("#1b5e20", "#e8f5e9"),
    Level.AMBER: ("#5c3a00", "#ffe8a3"),
    Level.RED: ("#ffffff", "#b00020"),
    Level.DURESS: ("#ffffff", "#4a0010"),
}
DRILL_COLOURS = ("#ffffff", "#3949ab")


def badge(level: Level) -> str:
    return f"{ICONS[level]} {LEVEL_WORDS[level]}"


def foreground(level: Level) -> QColor:
    return QColor(COLOURS[level][0])


def background(level: Level) -> QColor:
    return QColor(COLOURS[level][1])


def banner_style(level: Level, drill: bool = False) -> str:
    fg, bg = DRILL_COLOURS if drill else COLOURS[level]
    return f"background: {bg}; color: {fg}; font-size: 15pt; font-weight: bold; padding: 8px;"
