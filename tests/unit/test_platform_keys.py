"""The platform's side of the machine-wide key: who may read its folder, and DPAPI on Windows.

Linux is exercised for real (with this account's own group standing in for `hvdesk`, so the test
needs no groupadd); the DPAPI marshalling is exercised through a stand-in crypt32, and the real
calls round-trip a key on Windows (`-m windows`).
"""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hvdesk.platform import windows, windows_dpapi
from hvdesk.platform.base import KeyAccess
from hvdesk.platform.linux import LinuxPlatform

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX groups and modes")
KEY = bytes(range(32))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_linux_gives_the_key_folder_and_file_to_the_hvdesk_group(tmp_path):
    import grp

    own_group = grp.getgrgid(os.getgid()).gr_name  # a group this account may give files to
    linux = LinuxPlatform(key_group=own_group)
    folder = tmp_path / "etc-hvdesk" / "keys"
    access = linux.share_key_folder(folder)
    assert access == KeyAccess(own_group)
    # setgid and group-writable: any member may replace the key (rotate, import), and the new
    # file takes the group
    assert _mode(folder) == 0o2770 and folder.stat().st_gid == os.getgid()
    key = folder / "school.key"
    key.write_text(KEY.hex())
    key.chmod(0o600)
    linux.share_key_file(key, access)
    assert _mode(key) == 0o640 and key.stat().st_gid == os.getgid()  # never world-readable


@posix_only
def test_linux_without_the_group_keeps_the_key_owner_only_and_says_how_to_let_others_in(
    tmp_path,
):
    linux = LinuxPlatform(key_group="hvdesk-no-such-group")
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    access = linux.share_key_folder(folder)
    assert access.group is None and _mode(folder) == 0o700
    assert "sudo groupadd hvdesk-no-such-group" in access.note
    assert "sudo usermod -aG hvdesk-no-such-group USER" in access.note
    assert f"sudo chgrp -R hvdesk-no-such-group {folder}" in access.note
    assert f"sudo chmod 2770 {folder}" in access.note
    # written out in full: IT's shell cannot list the folder to expand a *.key
    assert f"sudo find {folder} -name '*.key' -exec chmod 0640 {{}} +" in access.note
    assert "*.key" not in access.note.replace("'*.key'", "")
    key = folder / "school.key"
    key.write_text(KEY.hex())
    key.chmod(0o600)
    linux.share_key_file(key, access)
    assert _mode(key) == 0o600
    assert linux.protect(KEY) == KEY and linux.unprotect(KEY) == KEY  # permissions do the work


@posix_only
def test_linux_leaves_out_groupadd_when_the_group_exists_but_the_folder_is_not_ours(
    tmp_path, monkeypatch
):
    import grp

    own_group = grp.getgrgid(os.getgid()).gr_name
    linux = LinuxPlatform(key_group=own_group)
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)

    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")  # a folder another account made

    monkeypatch.setattr(os, "chown", refused)
    access = linux.share_key_folder(folder)
    assert access.group is None and "sudo groupadd" not in access.note
    assert f"sudo usermod -aG {own_group} USER" in access.note


def test_the_windows_key_folder_acl_names_system_administrators_and_the_group_only():
    command = windows.key_folder_acl(Path("C:/ProgramData/hvdesk/keys"), "hvdesk users:(OI)(CI)M")
    assert command[0] == "icacls" and "/inheritance:r" in command  # ProgramData lets Users read
    grants = [command[i + 1] for i, arg in enumerate(command) if arg == "/grant:r"]
    assert grants == ["*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F", "hvdesk users:(OI)(CI)M"]
    note = windows.key_group_note("hvdesk users", Path("C:/ProgramData/hvdesk/keys"))
    assert 'net localgroup "hvdesk users" /add' in note and '"hvdesk users:(OI)(CI)M"' in note


class _StandInCrypt32:
    """crypt32 and kernel32 as Python: sees what dpapi() passes, answers as Windows would."""

    def __init__(self) -> None:
        self.flags: list[int] = []
        self.entropy: list[bytes] = []
        self.allocated: list[ctypes.Array[ctypes.c_char]] = []
        self.freed: list[int | None] = []
        self.CryptProtectData = self._call(lambda data: b"sealed:" + data)
        self.CryptUnprotectData = self._call(lambda blob: blob.removeprefix(b"sealed:"))
        self.LocalFree = self._free()

    def _call(self, transform):
        def call(data_in, description, entropy, reserved, prompt, flags, data_out):
            source, salt = data_in._obj, entropy._obj
            assert description is None and reserved is None and prompt is None
            self.flags.append(flags)
            self.entropy.append(ctypes.string_at(salt.pbData, salt.cbData))
            result = transform(ctypes.string_at(source.pbData, source.cbData))
            buffer = ctypes.create_string_buffer(result, len(result))
            self.allocated.append(buffer)
            data_out._obj.cbData = len(result)
            data_out._obj.pbData = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char))
            return 1

        return call

    def _free(self):
        def local_free(pointer):
            self.freed.append(pointer.value if isinstance(pointer, ctypes.c_void_p) else pointer)

        return local_free


def test_dpapi_passes_machine_scope_and_the_entropy_and_frees_what_windows_allocated():
    lib = _StandInCrypt32()
    sealed = windows_dpapi.dpapi(KEY, protect=True, crypt32=lib, kernel32=lib)
    assert sealed == b"sealed:" + KEY
    assert windows_dpapi.dpapi(sealed, protect=False, crypt32=lib, kernel32=lib) == KEY
    assert lib.flags == [0x4 | 0x1, 0x1]  # LOCAL_MACHINE | UI_FORBIDDEN, then UI_FORBIDDEN
    assert lib.entropy == [b"hvdesk-database-key"] * 2
    assert lib.freed == [ctypes.addressof(buffer) for buffer in lib.allocated]
    blob = windows_dpapi.data_blob()
    assert [name for name, _type in blob._fields_] == ["cbData", "pbData"]
    assert ctypes.sizeof(blob._fields_[0][1]) == 4  # DWORD, also where c_ulong is 8 bytes


def test_dpapi_refusal_is_an_oserror_naming_the_call():
    lib = _StandInCrypt32()
    lib.CryptUnprotectData = lambda *args: 0  # a blob sealed on another PC
    with pytest.raises(OSError, match="CryptUnprotectData refused the key"):
        windows_dpapi.dpapi(b"elsewhere", protect=False, crypt32=lib, kernel32=lib)
    assert lib.freed == []  # nothing was allocated, nothing freed


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="real DPAPI calls need Windows")
def test_real_dpapi_round_trips_a_key_and_the_key_folder_is_limited(tmp_path):  # pragma: no cover
    win = windows.WindowsPlatform()
    sealed = win.protect(KEY)
    assert KEY not in sealed and len(sealed) > len(KEY)
    assert win.unprotect(sealed) == KEY
    with pytest.raises(OSError):
        win.unprotect(sealed[:-8] + b"\0" * 8)  # damaged: refused, never a wrong key
    saved_entropy = windows_dpapi.ENTROPY
    try:
        windows_dpapi.ENTROPY = b"another program"
        with pytest.raises(OSError):
            win.unprotect(sealed)  # another program's entropy does not open hvdesk's key
    finally:
        windows_dpapi.ENTROPY = saved_entropy
    folder = tmp_path / "keys"
    access = win.share_key_folder(folder)  # a folder hvdesk makes itself: it may set the ACL
    acl = subprocess.run(["icacls", str(folder)], capture_output=True, text=True).stdout
    assert "(I)" not in acl  # nothing inherited from the temp folder's parents
    assert access.group == windows.KEY_GROUP or 'net localgroup "hvdesk users"' in access.note


def test_the_installer_makes_the_group_and_sets_the_same_key_folder_acl_as_hvdesk():
    """The installer (an administrator) and hvdesk (a folder it made itself) must agree on who
    may read the key: the same group name and the same grants."""
    script = (Path(__file__).resolve().parents[2] / "installer" / "hvdesk.iss").read_text()
    assert f"KeyGroup = '{windows.KEY_GROUP}';" in script
    assert "RunTool('net.exe', 'localgroup \"' + KeyGroup + '\" /add" in script
    acl = windows.key_folder_acl(Path("KEYS"), "GROUP:(OI)(CI)M")
    for option in acl[2:-1]:
        assert option in script
    assert "'/grant:r \"' + KeyGroup + ':(OI)(CI)M\"'" in script
    assert 'Name: "{commonappdata}\\hvdesk\\keys"' in script
    assert "Result := ShareKeyFolder;" in script  # in PrepareToInstall: before any file


def _code(script: str) -> str:
    """The [Code] section without its { } comments."""
    import re

    return re.sub(r"\{[^}]*\}", "", script.split("[Code]", 1)[1])


def test_a_silent_install_must_name_who_uses_hvdesk():
    """Silent under Intune or Group Policy, {username} is SYSTEM: never the default member."""
    script = (Path(__file__).resolve().parents[2] / "installer" / "hvdesk.iss").read_text()
    code = _code(script)
    assert "if WizardSilent and IsAdminInstallMode and not HasParam('HVDESKUSERS') then" in code
    refusal = code.split("function InitializeSetup: Boolean;", 1)[1].split("end;\nend;", 1)[0]
    assert "Log(" in refusal and "Result := False;" in refusal
    example = script.split("[Setup]", 1)[0]
    silent = next(line for line in example.splitlines() if "/VERYSILENT /SUPPRESSMSGBOXES" in line)
    after = example.split(silent, 1)[1].splitlines()[1]
    assert '/HVDESKUSERS="office;SCHOOL\\head"' in after and "required when silent" in after


def test_the_installer_checks_net_and_icacls_and_stops_before_installing_on_failure():
    script = (Path(__file__).resolve().parents[2] / "installer" / "hvdesk.iss").read_text()
    code = _code(script)
    assert "RunHidden" not in code  # the old runner only logged exit codes
    import re

    checked = re.findall(r"if RunTool\('[^;]*?, Output\) <> 0 then", code, re.DOTALL)
    assert code.count("RunTool('") == len(checked) == 4  # the group, its check, members, icacls
    assert "if Pos(AlreadyMember, Output) = 0 then" in code  # re-running setup adds no error
    assert "function PrepareToInstall(var NeedsRestart: Boolean): String;" in code
    assert "ssPostInstall" not in code  # too late there: the files are in, nothing stops
    words = re.findall(r"\b(begin|end)\b", re.sub(r"'[^']*'", "", code))
    assert words.count("begin") == words.count("end")  # every block closed
