"""The PC's sound output and power plan: the tools' outputs parsed, and the words they become."""

from __future__ import annotations

import importlib
import os
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from hvdesk.pc_readiness import (
    PcReading,
    SoundVerdict,
    duty_texts,
    minutes_text,
    power_plan_line,
    power_plan_warning,
    read_pc,
    sound_test_words,
    sound_verdict,
)
from hvdesk.platform import linux
from hvdesk.platform.fake import FakePlatform
from hvdesk.platform.power_plan import (
    parse_gsettings_string,
    parse_gsettings_uint,
    parse_logind_idle,
    parse_powercfg_ac_seconds,
    parse_timespan_seconds,
    shortest,
)
from hvdesk.platform.sound_output import (
    OutputState,
    own_stream,
    parse_pactl_mute,
    parse_pactl_sink_inputs,
    parse_pactl_volume,
)

posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="fake pactl/loginctl are sh scripts"
)

POWERCFG_EN = """\
Power Scheme GUID: 381b4222-f694-41f0-9685-ff5bb260df2e  (Balanced)
  GUID Alias: SCHEME_BALANCED
  Subgroup GUID: 238c9fa8-0aad-41ed-83f4-97be242c8f20  (Sleep)
    GUID Alias: SUB_SLEEP
    Power Setting GUID: 29f6c1db-86da-48c5-9fdb-f2b67b1f44da  (Sleep after)
      GUID Alias: STANDBYIDLE
      Minimum Possible Setting: 0x00000000
      Maximum Possible Setting: 0xffffffff
      Possible Settings increment: 0x00000001
      Possible Settings units: Seconds
    Current AC Power Setting Index: 0x00000384
    Current DC Power Setting Index: 0x0000012c

"""
POWERCFG_HIBERNATE_NEVER = """\
Power Scheme GUID: 8c5e7fda-e8bf-4a96-9a85-a6e23a8c635c  (High performance)
  Subgroup GUID: 238c9fa8-0aad-41ed-83f4-97be242c8f20  (Sleep)
    Power Setting GUID: 9d7815a6-7ee4-497e-8888-515a05f02364  (Hibernate after)
      Minimum Possible Setting: 0x00000000
      Maximum Possible Setting: 0xffffffff
      Possible Settings increment: 0x00000001
      Possible Settings units: Seconds
    Current AC Power Setting Index: 0x00000000
    Current DC Power Setting Index: 0x00002a30
"""
POWERCFG_DE = """\
GUID des Energieschemas: 381b4222-f694-41f0-9685-ff5bb260df2e  (Ausbalanciert)
  GUID-Alias: SCHEME_BALANCED
  GUID des Untergeordneten Elements: 238c9fa8-0aad-41ed-83f4-97be242c8f20  (Energie sparen)
    GUID-Alias: SUB_SLEEP
    Energieeinstellungs-GUID: 29f6c1db-86da-48c5-9fdb-f2b67b1f44da  (Energie sparen nach)
      GUID-Alias: STANDBYIDLE
      Minimale mögliche Einstellung: 0x00000000
      Maximale mögliche Einstellung: 0xffffffff
      Mögliche Einstellungen (Inkrement): 0x00000001
      Mögliche Einstellungen (Einheiten): Sekunden
    Index der aktuellen Wechselstromeinstellung: 0x00000e10
    Index der aktuellen Gleichstromeinstellung: 0x00000708
"""
POWERCFG_NO_SUCH = "The power scheme, subgroup or setting specified does not exist.\n"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (POWERCFG_EN, 900),  # Balanced, sleep after 15 min on mains (5 on battery)
        (POWERCFG_HIBERNATE_NEVER, 0),  # never on mains
        (POWERCFG_DE, 3600),  # a German Windows: the labels are translated, the order is not
        (POWERCFG_NO_SUCH, None),
        ("", None),
    ],
)
def test_powercfg_ac_index_is_read(text, seconds):
    assert parse_powercfg_ac_seconds(text) == seconds


@pytest.mark.parametrize(
    ("text", "muted"),
    [
        ("Mute: no\n", False),
        ("Mute: yes\n", True),
        ("Failed to get sink mute status: No such entity\n", None),
        ("No valid command specified.\n", None),  # pactl before 15 has no get-sink-mute
        ("Connection failure: Connection refused\n", None),
        ("", None),
    ],
)
def test_pactl_mute_is_read(text, muted):
    assert parse_pactl_mute(text) is muted


@pytest.mark.parametrize(
    ("text", "volume"),
    [
        (
            "Volume: front-left: 65536 / 100% / 0.00 dB,   front-right: 65536 / 100% / 0.00 dB\n"
            "        balance 0.00\n",
            1.0,
        ),
        ("Volume: mono: 0 /   0% / -inf dB\n        balance 0.00\n", 0.0),
        (  # balance fully right: the right speaker still plays at half
            "Volume: front-left: 0 /   0% / -inf dB,   front-right: 32768 /  50% / -18.06 dB\n"
            "        balance 1.00\n",
            0.5,
        ),
        (
            "Volume: front-left: 98304 / 150% / 10.57 dB,   front-right: 98304 / 150% / 10.57 dB\n"
            "        balance 0.00\n",
            1.5,
        ),
        ("Failed to get sink volume: No such entity\n", None),
        ("", None),
    ],
)
def test_pactl_volume_is_the_loudest_channel(text, volume):
    assert parse_pactl_volume(text) == volume


APP_OFF = "⚠ ALARM SOUND OFF — hvdesk is muted in the Volume Mixer"
PACTL = Path(__file__).parent / "pactl"  # real `pactl list sink-inputs` (PulseAudio 16.1, LC_ALL=C)
QT_PID, PACAT_PID = 23247, 23264  # in those files: hvdesk's QSoundEffect stream, and pacat's


@pytest.mark.parametrize(
    ("name", "pid", "reading"),
    [
        ("sink_inputs_loaded.txt", QT_PID, (False, 1.0)),  # loaded, corked between plays
        ("sink_inputs_muted.txt", QT_PID, (True, 1.0)),  # set-sink-input-mute on it
        ("sink_inputs_muted.txt", PACAT_PID, (False, 0.0)),  # another program at 0 %
        ("sink_inputs_muted.txt", 4242, (None, None)),  # a process with no stream
        ("sink_inputs_loaded.txt", PACAT_PID, (None, None)),
    ],
)
def test_our_own_stream_is_found_by_process_id(name, pid, reading):
    assert parse_pactl_sink_inputs((PACTL / name).read_text(), pid) == reading


def test_no_streams_at_all_is_unknown():
    assert parse_pactl_sink_inputs("", QT_PID) == (None, None)
    assert parse_pactl_sink_inputs("Connection failure: Connection refused\n", QT_PID) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("streams", "reading"),
    [
        ([], (None, None)),
        ([(True, 1.0)], (True, 1.0)),
        ([(True, 1.0), (False, 0.4)], (False, 0.4)),  # one stream still plays
        ([(False, 0.0), (False, 0.3)], (False, 0.3)),
        ([(True, 0.2), (True, 0.6)], (True, 0.6)),
    ],
)
def test_several_streams_of_ours_count_as_the_one_that_plays(streams, reading):
    assert own_stream(streams) == reading


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("IdleAction=ignore\nIdleActionUSec=30min\n", None),  # logind's default: never sleeps
        ("IdleAction=suspend\nIdleActionUSec=15min\n", 900),
        ("IdleAction=hibernate\nIdleActionUSec=1h 30min\n", 5400),
        ("IdleAction=suspend\nIdleActionUSec=0\n", None),
        ("IdleAction=lock\nIdleActionUSec=5min\n", None),  # locks: the sound still plays
        ("", None),  # 'System has not been booted with systemd' goes to stderr
    ],
)
def test_logind_idle_action_is_read(text, seconds):
    assert parse_logind_idle(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30min", 1800),
        ("1h 30min", 5400),
        ("2min 30s", 150),
        ("900000000", 900),
        ("infinity", None),
    ],
)
def test_systemd_time_spans(text, seconds):
    assert parse_timespan_seconds(text) == seconds


def test_gsettings_values():
    assert parse_gsettings_uint("1200\n") == 1200
    assert parse_gsettings_uint("uint32 1200\n") == 1200
    assert parse_gsettings_uint("'suspend'\n") is None
    assert parse_gsettings_string("'suspend'\n") == "suspend"
    assert parse_gsettings_string("") is None


def test_the_soonest_timer_counts_and_never_is_left_out():
    assert shortest(900, 3600) == timedelta(minutes=15)
    assert shortest(0, 3600) == timedelta(hours=1)
    assert shortest(0, None) is None


@pytest.mark.parametrize(
    ("output", "player", "status"),
    [
        (OutputState(muted=True, volume=0.8), "", "⚠ ALARM SOUND OFF — the PC's sound is muted"),
        (OutputState(muted=False, volume=0.004), "", "⚠ ALARM SOUND OFF — volume at 0 %"),
        (OutputState(muted=False, volume=0.01), "", ""),  # 1 %: quiet, but it plays
        (
            OutputState(remote_session=True, no_endpoint=True),
            "no sound output device",
            "⚠ ALARM SOUND OFF — Remote Desktop without sound",
        ),
        # a volume that could not be read in a Remote Desktop session is unknown, not soundless
        (OutputState(remote_session=True, failure="COMError: 0x80070005"), "", ""),
        (OutputState(remote_session=True), "", ""),
        (OutputState(muted=False, volume=0.5, remote_session=True), "", ""),  # audio redirected
        (OutputState(), "", ""),  # cannot tell: never a false alarm
        (OutputState(), "muted", "⚠ ALARM SOUND OFF"),  # the player's own mute still counts
        (OutputState(muted=True), "muted", "⚠ ALARM SOUND OFF — the PC's sound is muted"),
        (OutputState(False, 0.8, app_muted=True, app_volume=1.0), "", APP_OFF),
        (OutputState(False, 0.8, app_muted=False, app_volume=0.004), "", APP_OFF),
        (OutputState(False, 0.8, app_muted=False, app_volume=0.01), "", ""),
        (OutputState(app_muted=True), "", APP_OFF),  # the PC's own volume unread
        # the PC's own mute names the bigger fix first
        (OutputState(True, 0.8, app_muted=True), "", "⚠ ALARM SOUND OFF — the PC's sound is muted"),
        (OutputState(False, 0.8), "", ""),  # hvdesk has no stream yet: unknown, not muted
    ],
)
def test_sound_verdicts(output, player, status):
    verdict = sound_verdict(player, output)
    assert verdict.status == status
    assert verdict.off == bool(status)
    if status:
        assert verdict.reason  # always a sentence for the tooltip and the Test button


def test_the_sound_reason_names_the_fix():
    assert "Unmute hvdesk" in sound_verdict("", OutputState(app_muted=True)).reason
    assert "Unmute it" in sound_verdict("", OutputState(muted=True)).reason
    assert "Turn the volume up" in sound_verdict("", OutputState(volume=0.0)).reason
    no_audio = OutputState(remote_session=True, no_endpoint=True)
    assert "Remote audio" in sound_verdict("", no_audio).reason
    assert sound_verdict("no sound system", OutputState()) == SoundVerdict(
        "⚠ ALARM SOUND OFF", "no sound system"
    )


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(minutes=15), "15 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(minutes=90), "1 h 30 min"),
        (timedelta(seconds=45), "45 s"),
    ],
)
def test_minutes_text(span, text):
    assert minutes_text(span) == text


def test_the_power_plan_is_named_only_while_staff_are_out():
    fifteen = timedelta(minutes=15)
    assert power_plan_warning(fifteen) == ("⚠ power plan sleeps after 15 min: alarms may be late")
    text, detail = duty_texts("", "", 3, fifteen)
    assert text == power_plan_warning(fifteen)
    assert "Sleep: never" in detail
    assert detail.startswith(
        "This PC's power plan sleeps after 15 min: alarms may be late if hvdesk cannot keep it awake."
    )
    assert duty_texts("", "", 0, fifteen) == ("", "")  # nobody out: it does not matter
    assert duty_texts("", "", 3, None) == ("", "")  # never sleeps
    # a refused keep-awake is the sharper warning; the plan's timer goes into its detail
    text, detail = duty_texts("⚠ alarms may be late (PC may sleep)", "Refused.", 3, fifteen)
    assert text == "⚠ alarms may be late (PC may sleep)"
    assert detail.startswith("Refused.") and "after 15 min" in detail


class _Broken(FakePlatform):
    def output_state(self):
        raise OSError("the audio service is stopped")

    def sleep_after(self):
        raise OSError("powercfg is blocked by policy")


def test_a_reading_that_fails_is_unknown_not_silent():
    reading = read_pc(_Broken())
    assert reading == PcReading(OutputState(failure="OSError: the audio service is stopped"))
    assert not reading.plan_read and not sound_verdict("", reading.output).off
    fake = FakePlatform(output=OutputState(muted=True), plan_sleeps_after=timedelta(minutes=20))
    assert read_pc(fake) == PcReading(OutputState(muted=True), timedelta(minutes=20), True)


def test_each_kind_of_failed_reading_is_logged_once(caplog):
    logged: set[str] = set()
    with caplog.at_level("WARNING", logger="hvdesk.pc_readiness"):
        for _ in range(3):  # three looks, 30 s apart
            read_pc(_Broken(), logged)
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "hvdesk could not read the PC's volume (OSError: the audio service is stopped); "
        "it is shown as unknown",
        "hvdesk could not read the power plan (OSError: powercfg is blocked by policy); "
        "it is shown as unknown",
    ]
    caplog.clear()
    with caplog.at_level("WARNING", logger="hvdesk.pc_readiness"):
        read_pc(FakePlatform(output=OutputState(failure="pycaw is not installed")), logged)
        read_pc(FakePlatform(output=OutputState(failure="pycaw is not installed")), logged)
    assert [r.getMessage() for r in caplog.records] == [
        "hvdesk could not read the PC's volume (pycaw is not installed); it is shown as unknown"
    ]


def test_the_test_button_says_when_the_volume_could_not_be_read():
    unread = OutputState(failure="COMError: the audio service is stopped")
    words = sound_test_words(sound_verdict("", unread), unread)
    assert words == (
        "Playing the alarm for 3 seconds: can you hear it? hvdesk could not read the PC's "
        "volume (COMError: the audio service is stopped)."
    )
    fine = OutputState(muted=False, volume=0.5)
    assert sound_test_words(sound_verdict("", fine), fine) == (
        "Playing the alarm for 3 seconds: can you hear it?"
    )
    muted = OutputState(muted=True)
    assert sound_test_words(sound_verdict("", muted), muted).startswith(
        "ALARM SOUND OFF: the PC's sound is muted"
    )


def test_the_power_plan_line_tells_never_from_unknown():
    assert power_plan_line(PcReading(sleep_after=timedelta(minutes=15), plan_read=True)) == (
        "Power plan: sleeps after 15 min (plugged in)"
    )
    assert power_plan_line(PcReading(plan_read=True)) == "Power plan: never sleeps (plugged in)"
    assert power_plan_line(PcReading()) == "Power plan: could not be read"


def _tool(folder, name, body):
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@posix_only
def test_linux_reads_pactl_in_the_c_locale(tmp_path, monkeypatch):
    # pactl translates its words: only LC_ALL=C gives the "Mute: yes" the parser reads
    _tool(
        tmp_path,
        "pactl",
        'case "$1" in\n'
        '  get-sink-mute) if [ "$LC_ALL" = C ]; then echo "Mute: yes"; else echo "Stumm: ja"; fi;;\n'
        '  get-sink-volume) echo "Volume: mono: 16384 /  25% / -36.12 dB"; '
        'echo "        balance 0.00";;\n'
        "esac",
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    assert linux.LinuxPlatform().output_state() == OutputState(muted=True, volume=0.25)


@posix_only
def test_linux_reads_our_own_sink_input(tmp_path, monkeypatch):
    listing = tmp_path / "sink-inputs.txt"
    real = (PACTL / "sink_inputs_muted.txt").read_text()
    listing.write_text(real.replace(f'"{QT_PID}"', f'"{os.getpid()}"'))
    _tool(
        tmp_path,
        "pactl",
        'case "$1" in\n'
        '  get-sink-mute) echo "Mute: no";;\n'
        '  get-sink-volume) echo "Volume: mono: 65536 / 100% / 0.00 dB";;\n'
        f'  list) while IFS= read -r line; do echo "$line"; done < "{listing}";;\n'
        "esac",
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    output = linux.LinuxPlatform().output_state()
    assert output == OutputState(muted=False, volume=1.0, app_muted=True, app_volume=1.0)
    assert sound_verdict("", output).status == APP_OFF


@posix_only
def test_linux_without_a_sound_server_cannot_tell(tmp_path, monkeypatch):
    _tool(tmp_path, "pactl", 'echo "Connection failure: Connection refused" >&2; exit 1')
    monkeypatch.setenv("PATH", str(tmp_path))
    unread = OutputState(failure="pactl did not answer")
    assert linux.LinuxPlatform().output_state() == unread
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no pactl at all
    assert linux.LinuxPlatform().output_state() == unread


@posix_only
def test_a_stray_byte_from_pactl_keeps_the_reading(tmp_path, monkeypatch):
    # a sink named in Latin-1 ("Lautsprecher f\xfcr ..."): not UTF-8, but the mute is still read
    _tool(
        tmp_path,
        "pactl",
        'case "$1" in\n'
        '  get-sink-mute) printf "Sink: Lautsprecher f\\374r Raum 2\\nMute: yes\\n";;\n'
        '  get-sink-volume) printf "Volume: mono: 32768 /  50%% / -18 dB \\377\\n";;\n'
        "esac",
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    assert linux.LinuxPlatform().output_state() == OutputState(muted=True, volume=0.5)


@posix_only
def test_a_hung_pactl_is_given_up_on(tmp_path, monkeypatch):
    _tool(tmp_path, "pactl", "exec sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(linux, "TOOL_TIMEOUT_S", 0.2)
    assert linux.LinuxPlatform().output_state() == OutputState(failure="pactl did not answer")


@posix_only
def test_linux_sleep_after_is_the_sooner_of_logind_and_gnome(tmp_path, monkeypatch):
    _tool(tmp_path, "loginctl", 'printf "IdleAction=suspend\\nIdleActionUSec=1h\\n"')
    _tool(
        tmp_path,
        "gsettings",
        'case "$3" in\n'
        "  sleep-inactive-ac-type) echo \"'suspend'\";;\n"
        "  sleep-inactive-ac-timeout) echo 1200;;\n"
        "esac",
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    assert linux.LinuxPlatform().sleep_after() == timedelta(minutes=20)
    # GNOME set to blank the screen only: logind's hour is what is left
    _tool(
        tmp_path,
        "gsettings",
        'case "$3" in\n'
        "  sleep-inactive-ac-type) echo \"'nothing'\";;\n"
        "  sleep-inactive-ac-timeout) echo 1200;;\n"
        "esac",
    )
    assert linux.LinuxPlatform().sleep_after() == timedelta(hours=1)


@posix_only
def test_linux_without_logind_or_gnome_cannot_tell(tmp_path, monkeypatch):
    # the real messages from a container: no systemd, no GNOME power schema
    _tool(
        tmp_path,
        "loginctl",
        'echo "System has not been booted with systemd as init system (PID 1). Can\'t operate." >&2\n'
        "exit 1",
    )
    _tool(
        tmp_path,
        "gsettings",
        'echo "No such schema “org.gnome.settings-daemon.plugins.power”" >&2; exit 1',
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OSError, match="neither loginctl nor gsettings"):
        linux.LinuxPlatform().sleep_after()  # unknown, which read_pc keeps apart from "never"


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="real Windows calls need Windows")
def test_real_windows_sound_output_and_power_plan():  # pragma: no cover - Windows runs it
    from hvdesk.platform.windows import WindowsPlatform, _powercfg_ac

    importlib.import_module("pycaw.pycaw")  # a Windows install has it (pyproject markers)
    win = WindowsPlatform()
    output = win.output_state()
    assert isinstance(output.remote_session, bool)
    if output.volume is not None:  # a machine with a sound device (a CI runner may have none)
        assert 0.0 <= output.volume <= 1.0
        assert output.muted in (True, False)
    # as the window takes it: on a thread of its own, which sets COM up and down again
    seen: list[OutputState] = []
    reader = threading.Thread(target=lambda: seen.append(win.output_state()))
    reader.start()
    reader.join(10)
    assert len(seen) == 1 and seen[0].remote_session == output.remote_session
    standby = _powercfg_ac("STANDBYIDLE")
    assert standby is not None  # powercfg answers on every Windows 10/11
    sleep = win.sleep_after()
    if standby:
        assert sleep is not None and sleep <= timedelta(seconds=standby)
    else:
        assert sleep is None or sleep.total_seconds() > 0  # hibernate may still be set


class _ComError(Exception):
    """comtypes.COMError's shape: (hresult, text, details), the HRESULT also as `hresult`."""

    def __init__(self, hresult, text):
        super().__init__(hresult, text, None)
        self.hresult = hresult


class _FakeCom:
    """Just enough of comtypes and pycaw to follow windows.endpoint_volume's steps anywhere."""

    CLSCTX_INPROC_SERVER = 1
    CLSCTX_ALL = 23

    def __init__(
        self,
        muted=False,
        volume=0.5,
        no_endpoint=False,
        init_error=False,
        service_error=False,
        sessions=(),
    ):
        self.muted, self.volume = muted, volume
        self.no_endpoint, self.init_error = no_endpoint, init_error
        self.service_error = service_error
        self.sessions = sessions  # (process id, muted, volume) or an exception to raise
        self.steps: list[str] = []

    def GetAllSessions(self):
        """pycaw's AudioUtilities.GetAllSessions(): AudioSession objects with ProcessId and
        SimpleAudioVolume (ISimpleAudioVolume's GetMute() 0/1 and GetMasterVolume())."""
        from types import SimpleNamespace

        self.steps.append("sessions")
        if isinstance(self.sessions, Exception):
            raise self.sessions
        return [
            SimpleNamespace(
                ProcessId=pid,
                SimpleAudioVolume=SimpleNamespace(
                    GetMute=lambda m=muted: int(m), GetMasterVolume=lambda v=volume: v
                ),
            )
            for pid, muted, volume in self.sessions
        ]

    def CoInitialize(self):
        self.steps.append("init")
        if self.init_error:
            raise OSError("RPC_E_CHANGED_MODE")

    def CoUninitialize(self):
        self.steps.append("uninit")

    def CoCreateInstance(self, clsid, interface, context):
        assert (clsid, interface, context) == ("CLSID_MMDeviceEnumerator", "IMMDeviceEnumerator", 1)
        return self

    def GetDefaultAudioEndpoint(self, flow, role):
        assert (flow, role) == (0, 1)  # eRender, eMultimedia: the output Qt plays to
        if self.no_endpoint:  # comtypes keeps the HRESULT signed
            raise _ComError(0x80070490 - 2**32, "Element not found.")
        if self.service_error:
            raise _ComError(0x80070422 - 2**32, "The service cannot be started.")
        return self

    def Activate(self, iid, context, params):
        assert (iid, context) == ("IID_IAudioEndpointVolume", 23)
        return self

    def QueryInterface(self, interface):
        return self

    def GetMute(self):
        return int(self.muted)

    def GetMasterVolumeLevelScalar(self):
        return self.volume

    def modules(self):
        from enum import Enum
        from types import SimpleNamespace

        pycaw = SimpleNamespace(
            IMMDeviceEnumerator="IMMDeviceEnumerator",
            IAudioEndpointVolume=SimpleNamespace(_iid_="IID_IAudioEndpointVolume"),
            EDataFlow=Enum("EDataFlow", {"eRender": 0}),
            ERole=Enum("ERole", {"eMultimedia": 1}),
            AudioUtilities=SimpleNamespace(GetAllSessions=self.GetAllSessions),
        )
        constants = SimpleNamespace(CLSID_MMDeviceEnumerator="CLSID_MMDeviceEnumerator")
        return {"comtypes": self, "pycaw.pycaw": pycaw, "pycaw.constants": constants}


def _use_com(monkeypatch, com):
    from hvdesk.platform import windows

    modules = com.modules()

    def load(name):
        if name not in modules:
            raise ImportError(name)
        return modules[name]

    monkeypatch.setattr(windows.importlib, "import_module", load)
    return windows


@pytest.mark.parametrize(
    ("com", "reading", "steps"),
    [
        (
            _FakeCom(muted=True, volume=0.25),
            OutputState(True, 0.25),
            ["init", "sessions", "uninit"],
        ),
        (_FakeCom(volume=0.0), OutputState(False, 0.0), ["init", "sessions", "uninit"]),
        (  # unplugged, RDP without audio: Windows says there is no device
            _FakeCom(no_endpoint=True),
            OutputState(no_endpoint=True),
            ["init", "uninit"],
        ),
        (  # a stopped audio service: unknown, with why
            _FakeCom(service_error=True),
            OutputState(failure="_ComError: (-2147023838, 'The service cannot be started.', None)"),
            ["init", "uninit"],
        ),
        (  # not ours to set up or down
            _FakeCom(init_error=True, volume=0.8),
            OutputState(False, 0.8),
            ["init", "sessions"],
        ),
    ],
)
def test_windows_endpoint_volume_sets_com_up_and_down_on_its_thread(
    monkeypatch, com, reading, steps
):
    windows = _use_com(monkeypatch, com)
    assert windows.endpoint_volume() == reading
    assert com.steps == steps


@pytest.mark.parametrize(
    ("sessions", "app"),
    [
        ([("us", True, 1.0)], (True, 1.0)),  # the Volume Mixer's mute on hvdesk's slider
        ([("us", False, 0.0)], (False, 0.0)),  # its slider at 0 %
        ([("us", False, 0.6), (1234, True, 1.0)], (False, 0.6)),  # another program muted
        ([(1234, True, 1.0), (0, True, 1.0)], (None, None)),  # no session of ours (yet)
        ([], (None, None)),
    ],
)
def test_windows_reads_our_own_volume_mixer_session(monkeypatch, sessions, app):
    pid = os.getpid()
    mine = [(pid if who == "us" else who, muted, volume) for who, muted, volume in sessions]
    com = _FakeCom(volume=0.8, sessions=mine)
    windows = _use_com(monkeypatch, com)
    reading = windows.endpoint_volume()
    assert reading == OutputState(False, 0.8, app_muted=app[0], app_volume=app[1])
    assert com.steps == ["init", "sessions", "uninit"]  # read while COM is set up
    off = app[0] or app[1] == 0.0
    assert (sound_verdict("", reading).status == APP_OFF) is bool(off)


def test_a_volume_mixer_that_cannot_be_read_keeps_the_pcs_own_reading(monkeypatch, caplog):
    """The PC's volume was read; only hvdesk's own slider was not: the log and the Test alarm
    sound button say that, not that the PC's volume could not be read."""
    com = _FakeCom(muted=False, volume=0.8, sessions=_ComError(-2147023838, "service stopped"))
    windows = _use_com(monkeypatch, com)
    reading = windows.endpoint_volume()
    assert (reading.muted, reading.volume, reading.app_muted) == (False, 0.8, None)
    assert reading.failure == ""
    assert reading.app_failure == "_ComError: (-2147023838, 'service stopped', None)"
    assert com.steps == ["init", "sessions", "uninit"]
    with caplog.at_level("WARNING", logger="hvdesk.pc_readiness"):
        read_pc(FakePlatform(output=reading))
    assert [r.getMessage() for r in caplog.records] == [
        "hvdesk could not read its own Volume Mixer slider (_ComError: (-2147023838, "
        "'service stopped', None)); it is shown as unknown"
    ]
    words = sound_test_words(sound_verdict("", reading), reading)
    assert words == (
        "Playing the alarm for 3 seconds: can you hear it? hvdesk could not read its own "
        "Volume Mixer slider (_ComError: (-2147023838, 'service stopped', None))."
    )
    assert "PC's volume" not in words


def test_windows_without_pycaw_cannot_tell(monkeypatch):
    from hvdesk.platform import windows

    def missing(name):
        raise ImportError(name)

    monkeypatch.setattr(windows.importlib, "import_module", missing)
    assert windows.endpoint_volume() == OutputState(failure="comtypes is not installed")


def test_windows_reads_the_plan_through_powercfg_without_a_console(monkeypatch):
    import subprocess
    from types import SimpleNamespace

    from hvdesk.platform import windows

    runs = []

    def run(args, **kwargs):
        runs.append((args, kwargs["creationflags"], kwargs["timeout"]))
        out = POWERCFG_EN if args[-1] == "STANDBYIDLE" else POWERCFG_HIBERNATE_NEVER
        return SimpleNamespace(returncode=0, stdout=out)

    monkeypatch.setattr(subprocess, "run", run)
    assert windows.WindowsPlatform().sleep_after() == timedelta(minutes=15)
    assert [r[0][-1] for r in runs] == ["STANDBYIDLE", "HIBERNATEIDLE"]
    assert runs[0][0][:4] == ["powercfg", "/query", "SCHEME_CURRENT", "SUB_SLEEP"]
    assert all(flags == 0x08000000 and timeout == 2.0 for _args, flags, timeout in runs)

    def hung(args, **kwargs):
        raise subprocess.TimeoutExpired(args, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", hung)
    with pytest.raises(OSError, match="powercfg did not answer"):
        windows.WindowsPlatform().sleep_after()  # unknown, not "never sleeps"


def test_windows_remote_desktop_without_an_endpoint_is_named(monkeypatch):
    from types import SimpleNamespace

    windows = _use_com(monkeypatch, _FakeCom(no_endpoint=True))
    metrics = SimpleNamespace(GetSystemMetrics=lambda index: 1 if index == 0x1000 else 0)
    monkeypatch.setattr(windows, "_user32", lambda: metrics)
    output = windows.WindowsPlatform().output_state()
    assert output == OutputState(remote_session=True, no_endpoint=True)
    assert sound_verdict("", output).status == "⚠ ALARM SOUND OFF — Remote Desktop without sound"


def test_a_failed_volume_read_in_remote_desktop_is_not_called_soundless(monkeypatch):
    from types import SimpleNamespace

    windows = _use_com(monkeypatch, _FakeCom(service_error=True))
    metrics = SimpleNamespace(GetSystemMetrics=lambda index: 1 if index == 0x1000 else 0)
    monkeypatch.setattr(windows, "_user32", lambda: metrics)
    output = windows.WindowsPlatform().output_state()
    assert output.remote_session and not output.no_endpoint
    assert "service cannot be started" in output.failure
    assert sound_verdict("", output).status == ""  # unknown: never a false ALARM SOUND OFF
