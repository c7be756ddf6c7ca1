"""The PC's own sound output, as the operating system sets it: muted, its volume, Remote Desktop.

Qt's QSoundEffect only knows its own mute: a Windows master volume muted from the speaker icon,
or a PulseAudio/PipeWire sink at 0 %, plays the alarm into silence; so does hvdesk's own stream
muted in the Windows Volume Mixer (or in PulseAudio's list of playing applications) while the PC's
sound is on. These readings let the
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
    when there is simply no mixer to ask), for the log and the Test alarm sound button;
    `app_failure` says why hvdesk's own slider in the mixer could not be read while the PC's
    own mute and volume were.

    `app_muted`/`app_volume` are hvdesk's own stream in the mixer (the Volume Mixer's session of
    this process, PulseAudio's sink-input of this process id): None while hvdesk has no stream
    (no alarm sound loaded) or it cannot be read."""

    muted: bool | None = None
    volume: float | None = None
    remote_session: bool = False
    no_endpoint: bool = False
    failure: str = ""
    app_muted: bool | None = None
    app_volume: float | None = None
    app_failure: str = ""


UNKNOWN = OutputState()

_MUTE = re.compile(r"^\s*Mute:\s*(yes|no)\s*$", re.MULTILINE)
_CHANNEL = re.compile(r"(\d+)\s*/\s*\d+%")
_SINK_INPUT = re.compile(r"^Sink Input #\d+\s*$", re.MULTILINE)
_PROCESS_ID = re.compile(r'^\s*application\.process\.id = "(\d+)"\s*$', re.MULTILINE)


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


def own_stream(streams: list[tuple[bool, float]]) -> tuple[bool | None, float | None]:
    """(muted, volume) of hvdesk's streams in the mixer, each (muted, volume 0.0-1.0): the
    loudest one not muted if any plays, else the loudest muted one; (None, None) for none."""
    if not streams:
        return None, None
    playing = [volume for muted, volume in streams if not muted]
    if playing:
        return False, max(playing)
    return True, max(volume for _muted, volume in streams)


def parse_pactl_sink_inputs(text: str, pid: int) -> tuple[bool | None, float | None]:
    """`pactl list sink-inputs` (LC_ALL=C) → (muted, volume) of the streams whose
    application.process.id is `pid` (QSoundEffect opens one when the alarm sound loads and keeps
    it, corked, between plays); (None, None) when that process has none."""
    streams: list[tuple[bool, float]] = []
    for block in _SINK_INPUT.split(text)[1:]:
        owner = _PROCESS_ID.search(block)
        if owner is None or int(owner.group(1)) != pid:
            continue
        muted, volume = parse_pactl_mute(block), parse_pactl_volume(block)
        if muted is not None and volume is not None:
            streams.append((muted, volume))
    return own_stream(streams)
