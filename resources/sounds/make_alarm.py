"""Regenerate alarm.wav: a two-tone alarm, short enough to loop, loud but not clipped.

`python resources/sounds/make_alarm.py`. Standard library only (wave), so the sound is reproducible
and carries no licence other than hvdesk's own.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
TONES = [(880.0, 0.22), (0.0, 0.04), (660.0, 0.22), (0.0, 0.04)] * 2 + [(0.0, 0.26)]
VOLUME = 0.6
FADE_S = 0.008


def samples() -> list[int]:
    out: list[int] = []
    for freq, seconds in TONES:
        count = int(RATE * seconds)
        fade = int(RATE * FADE_S)
        for i in range(count):
            if freq == 0.0:
                out.append(0)
                continue
            envelope = min(1.0, i / fade, (count - i) / fade)
            value = VOLUME * envelope * math.sin(2 * math.pi * freq * i / RATE)
            out.append(int(value * 32767))
    return out


def write(path: Path) -> None:
    data = samples()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(struct.pack(f"<{len(data)}h", *data))


if __name__ == "__main__":
    write(Path(__file__).resolve().parent / "alarm.wav")
