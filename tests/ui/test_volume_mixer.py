"""hvdesk muted in the mixer, for real: a private PulseAudio server, the window's own alarm sound
playing into its null sink, and `pactl set-sink-input-mute` on hvdesk's stream, as a user does
from the sound settings (on Windows, the Volume Mixer; that side is read through pycaw and tested
with a stand-in in tests/unit/test_pc_readiness.py).

Qt connects to PulseAudio once per process, with the PULSE_SERVER of that moment: after any
earlier test has started the alarm sound it talks to the desktop's server (or none), never to
ours. So the check runs in a fresh pytest process (`test_hvdesk_muted_in_the_mixer`) whose
environment names our server before PySide6 loads; there `..._shows_alarm_sound_off` does the
work, and in the ordinary run that one is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hvdesk.platform.linux import LinuxPlatform
from tests.ui.fresh_process import passes_in_fresh_process
from ui.office_pc import OfficePcFeature
from ui.pc_checks import PcChecks

pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(
        sys.platform != "linux" or not (shutil.which("pulseaudio") and shutil.which("pactl")),
        reason="needs Debian's pulseaudio and pactl (scripts/setup.sh --dev)",
    ),
]
INNER = "HVDESK_MIXER_RUN"
OFF = "⚠ ALARM SOUND OFF — hvdesk is muted in the Volume Mixer"


def _pactl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pactl", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        timeout=5,
        check=False,
    )


@pytest.fixture
def pulse_server(monkeypatch, qtbot):
    """A PulseAudio server of the test's own (a null sink, on the socket the outer process named
    in PULSE_SERVER), and the alarm sound switched on, so the window opens a real stream there."""
    socket = Path(os.environ["PULSE_SERVER"].removeprefix("unix:"))
    folder = socket.parent
    server = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "-L",
            f"module-native-protocol-unix socket={socket} auth-anonymous=1",
            "-L",
            "module-null-sink sink_name=hvdesk_test",
        ],
        env={**os.environ, "HOME": str(folder), "XDG_RUNTIME_DIR": str(folder)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    monkeypatch.setenv("HVDESK_NO_SOUND", "0")
    try:
        qtbot.waitUntil(lambda: _pactl("info").returncode == 0, timeout=10_000)
        yield
    finally:
        server.terminate()
        server.wait(5)


def _our_stream() -> str | None:
    """The index of this process's sink-input, if it has one."""
    for block in re.split(r"^Sink Input #", _pactl("list", "sink-inputs").stdout, flags=re.M)[1:]:
        if f'application.process.id = "{os.getpid()}"' in block:
            return block.split("\n", 1)[0].strip()
    return None


def _read_now(window, qtbot) -> None:
    checks = window.findChild(PcChecks)
    before = checks.reads
    checks.refresh()
    qtbot.waitUntil(lambda: checks.reads > before, timeout=10_000)


@pytest.mark.skipif(os.environ.get(INNER) != "1", reason="runs in its own process")
def test_hvdesk_muted_in_the_mixer_shows_alarm_sound_off(pulse_server, window, qtbot):
    office = window.feature(OfficePcFeature)
    window.findChild(PcChecks).platform = LinuxPlatform()  # the real pactl, on its thread
    qtbot.waitUntil(lambda: _our_stream() is not None, timeout=10_000)  # the alarm sound loaded
    _read_now(window, qtbot)
    assert office.sound_label.text() == ""  # the alarm can sound: nothing claimed
    assert _pactl("set-sink-input-mute", _our_stream(), "1").returncode == 0
    _read_now(window, qtbot)
    assert office.sound_label.text() == OFF
    assert "Unmute hvdesk there" in office.sound_label.toolTip()
    assert _pactl("set-sink-input-mute", _our_stream(), "0").returncode == 0
    assert _pactl("set-sink-input-volume", _our_stream(), "0%").returncode == 0
    _read_now(window, qtbot)
    assert office.sound_label.text() == OFF  # at 0 %: the same warning
    assert _pactl("set-sink-input-volume", _our_stream(), "100%").returncode == 0
    _read_now(window, qtbot)
    assert office.sound_label.text() == ""  # turned up again: the words go


def test_hvdesk_muted_in_the_mixer(tmp_path):
    """The check above, in a fresh process whose PULSE_SERVER is ours from the start."""
    passes_in_fresh_process(
        f"{__file__}::test_hvdesk_muted_in_the_mixer_shows_alarm_sound_off",
        {INNER: "1", "PULSE_SERVER": f"unix:{tmp_path / 'native'}"},
    )
