"""Can this PC sound an alarm and stay awake? The readings, and the words the office is shown.

The readings (the system's sound output and the power plan) come from hvdesk.platform and can take
seconds, so the window takes them on a worker; what they mean is decided here by pure functions,
so the status bar, the "Test alarm sound" button and the tests all say the same thing.

A reading that failed is "unknown", never a silenced PC: a false ALARM SOUND OFF that nobody can
clear teaches the office to ignore the real one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from hvdesk.platform.base import PlatformCalls
from hvdesk.platform.sound_output import UNKNOWN, OutputState

SOUND_OFF = "⚠ ALARM SOUND OFF"
APP_MUTED = "hvdesk is muted in the Volume Mixer"
APP_SLIDER = "its own Volume Mixer slider"  # hvdesk's session there (a sink-input on Linux)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PcReading:
    """One look at the PC: its sound output, and how soon its power plan sleeps (None: never,
    when `plan_read`; unknown otherwise)."""

    output: OutputState = UNKNOWN
    sleep_after: timedelta | None = None
    plan_read: bool = False


def read_pc(platform: PlatformCalls, logged: set[str] | None = None) -> PcReading:
    """Both readings; either one that fails is unknown (the other still counts). Each kind of
    failure is logged once (in `logged`, kept by the caller across readings), not every 30 s."""
    logged = set() if logged is None else logged
    try:
        output = platform.output_state()
    except Exception as err:  # a broken mixer or COM server: unknown, not muted
        output = OutputState(failure=f"{type(err).__name__}: {err}")
    if output.failure:
        _warn_once(logged, "the PC's volume", output.failure)
    if output.app_failure:
        _warn_once(logged, APP_SLIDER, output.app_failure)
    try:
        sleep_after = platform.sleep_after()
    except Exception as err:  # powercfg/loginctl missing or refused: unknown, not "sleeps"
        _warn_once(logged, "the power plan", f"{type(err).__name__}: {err}")
        return PcReading(output)
    return PcReading(output, sleep_after, plan_read=True)


def _warn_once(logged: set[str], what: str, failure: str) -> None:
    key = f"{what}: {failure}"
    if key not in logged:
        logged.add(key)
        log.warning("hvdesk could not read %s (%s); it is shown as unknown", what, failure)


def sound_test_words(verdict: SoundVerdict, output: OutputState) -> str:
    """What the Test alarm sound button says beside it: the verdict's sentence when the alarm
    cannot sound, else that it is playing (and that the volume could not be checked, if so)."""
    if verdict.off:
        return f"ALARM SOUND OFF: {verdict.reason}"
    words = ["Playing the alarm for 3 seconds: can you hear it?"]
    if output.failure:
        words.append(f"hvdesk could not read the PC's volume ({output.failure}).")
    if output.app_failure:
        words.append(f"hvdesk could not read {APP_SLIDER} ({output.app_failure}).")
    return " ".join(words)


def power_plan_line(reading: PcReading) -> str:
    """Settings > This PC: the power plan as last read."""
    if not reading.plan_read:
        return "Power plan: could not be read"
    if reading.sleep_after is None:
        return "Power plan: never sleeps (plugged in)"
    return f"Power plan: sleeps after {minutes_text(reading.sleep_after)} (plugged in)"


@dataclass(frozen=True)
class SoundVerdict:
    """`status`: the status bar's words ('' when the alarm can sound); `reason`: why, in a sentence
    (the tooltip, the screen reader and the Test alarm sound button)."""

    status: str
    reason: str

    @property
    def off(self) -> bool:
        return bool(self.status)


def system_sound_problem(output: OutputState) -> tuple[str, str]:
    """(words, sentence) for what the operating system says about its output;
    empty strings when it says nothing is wrong (or cannot tell)."""
    if output.remote_session and output.no_endpoint:
        return (
            "Remote Desktop without sound",
            "this is a Remote Desktop session with no sound output: the alarm plays nowhere. "
            "Reconnect with 'Play on this computer' (Local Resources, Remote audio), or "
            "run hvdesk on the office PC itself.",
        )
    if output.muted:
        return (
            "the PC's sound is muted",
            "the PC's sound is muted (the speaker icon by the clock): the alarm cannot be heard. "
            "Unmute it.",
        )
    if output.volume is not None and round(output.volume * 100) == 0:
        return (
            "volume at 0 %",
            "the PC's volume is at 0 % (the speaker icon by the clock): the alarm cannot be "
            "heard. Turn the volume up.",
        )
    if output.app_muted or (output.app_volume is not None and round(output.app_volume * 100) == 0):
        return (
            APP_MUTED,
            "hvdesk itself is muted or at 0 % in the Volume Mixer (Windows: right-click the "
            "speaker icon by the clock, Volume mixer; Linux: the applications in the sound "
            "settings), although the PC's sound is on: the alarm cannot be heard. Unmute hvdesk "
            "there and turn it up.",
        )
    return "", ""


def sound_verdict(player_problem: str, output: OutputState) -> SoundVerdict:
    """The system's own mute, volume and Remote Desktop come first (they name the fix); then what
    the alarm's player itself reports (no device, a load error, its own mute)."""
    words, sentence = system_sound_problem(output)
    if words:
        return SoundVerdict(f"{SOUND_OFF} — {words}", sentence)
    if player_problem:
        return SoundVerdict(SOUND_OFF, player_problem)
    return SoundVerdict("", "")


def minutes_text(span: timedelta) -> str:
    """'15 min', '1 h', '1 h 30 min', '45 s' (never '0 min' for a short timer)."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def power_plan_warning(sleep_after: timedelta | None) -> str:
    """The status bar's words for a power plan that sleeps; '' for one that never does (the
    sentence is in `power_plan_detail`, the tooltip and what a screen reader says)."""
    if sleep_after is None:
        return ""
    return f"⚠ power plan sleeps after {minutes_text(sleep_after)}: alarms may be late"


def power_plan_detail(sleep_after: timedelta) -> str:
    return (
        f"This PC's power plan sleeps after {minutes_text(sleep_after)}: alarms may be late if "
        "hvdesk cannot keep it awake. hvdesk asks it to stay awake while staff are out, but a "
        "closed lid, the power button, a locked-down policy or hvdesk being closed lets it "
        "sleep, and alarms then wait until it wakes. Ask IT to set 'Sleep: never' (plugged in) "
        "for this PC."
    )


def duty_texts(
    warning: str, detail: str, staff_out: int, sleep_after: timedelta | None
) -> tuple[str, str]:
    """The duty label's (text, detail): the keep-awake warning when there is one (the plan's
    timer is added to its detail), else the power plan's sleep while anyone is out."""
    if not staff_out:
        return "", ""
    if warning:
        if sleep_after is None:
            return warning, detail
        return warning, f"{detail} {power_plan_detail(sleep_after)}"
    if sleep_after is None:
        return "", ""
    return power_plan_warning(sleep_after), power_plan_detail(sleep_after)
