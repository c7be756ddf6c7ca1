"""The PC's own sound output, as the operating system sets it: muted, its volume, Remote Desktop.

Qt's QSoundEffect only knows its own mute: a Windows master volume muted from the speaker icon,
or a PulseAudio/PipeWire sink at 0 %, plays the alarm into silence. These readings let the
status bar say so. Every field is None (or False) when it cannot be told: an unreadable mixer
is never reported as a silenced one, because a false ALARM SOUND OFF teaches people to ignore it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PA_VOLUME_NORM = 65536  # PulseAudio's 100 %


@dataclass(frozen=True)
class OutputState:
    """The default output's mute and master volume (0.0-1.0, above 1.0 when boosted), and
    whether this is a Remote Desktop session (where sound plays only if the client asked for it).

    `no_endpoint` is set only when the system answered that there is no output device at all
    (Windows E_NOTFOUND): a Remote Desktop session is called soundless on that answer alone, never
    because a reading failed. `failure` says why the mixer could not be read ('' when it was, or
    when there is simply no mixer to ask), for the log and the Test alarm sound button."""

    muted: bool | None = None
    volume: float | None = None
    remote_session: bool = False
    no_endpoint: bool = False
    failure: str = ""


UNKNOWN = OutputState()

_MUTE = re.compile(r"^\s*Mute:\s*(yes|no)\s*$", re.MULTILINE)
_CHANNEL = re.compile(r"(\d+)\s*/\s*\d+%")


def parse_pactl_mute(text: str) -> bool | None:
    """`pactl get-sink-mute @DEFAULT_SINK@` (run with LC_ALL=C) → True/False; None for anything
    else (no sink, no sound server, a pactl too old for the command)."""
    found = _MUTE.search(text)
    return None if found is None else found.group(1) == "yes"


def parse_pactl_volume(text: str) -> float | None:
    """`pactl get-sink-volume @DEFAULT_SINK@` → the loudest channel as a fraction of 100 %
    (a balance turned fully left still plays on the left); None when there is no volume line."""
    for line in text.splitlines():
        if line.strip().startswith("Volume:"):
            raw = [int(value) for value in _CHANNEL.findall(line)]
            return max(raw) / PA_VOLUME_NORM if raw else None
    return None
