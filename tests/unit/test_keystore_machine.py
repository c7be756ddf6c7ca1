"""The machine-wide database key: protected by the platform, readable by the hvdesk users only.

The school in the machine-wide data folder is opened by every hvdesk user of the office PC, so its
key file must be readable by that group (and the administrators) and nobody else; on Windows it is
also sealed with DPAPI machine scope (the fake platform stands in for it here). A key file that
exists but cannot be read is said so, and never leads to a new key.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from hvdesk import key_file_format, keystore, platform
from hvdesk.platform.fake import FAKE_SEAL, FakePlatform

KEY = bytes(range(32))


@pytest.fixture
def school(tmp_path, monkeypatch):
    """A database in the machine-wide data folder, no HVDESK_DB_KEY, no keyring."""
    monkeypatch.delenv(keystore.ENV_KEY, raising=False)
    monkeypatch.setenv("HVDESK_MACHINE_DATA_DIR", str(tmp_path / "programdata"))
    monkeypatch.setenv("HVDESK_MACHINE_CONFIG_DIR", str(tmp_path / "machine-config"))
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    return str(tmp_path / "programdata" / "hvdesk.sqlite3")


@pytest.fixture
def windows_like():
    fake = FakePlatform(key_protection="dpapi-machine")
    with platform.FakePlatformScope(fake):
        yield fake



def _refuse_reading(monkeypatch, path) -> None:
    """Reading `path` is refused as for an account outside the group (root reads any file)."""
    real_read = type(path).read_text

    def refused(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(type(path), "read_text", refused)

def test_a_machine_wide_key_is_sealed_by_the_platform_and_opens_again(school, windows_like):
    kept = keystore.store(school, KEY)
    path = keystore.key_file(school)
    text = path.read_text()
    assert text.split("\n", 1)[0] == "hvdesk-key v1 dpapi-machine"
    assert KEY.hex() not in text and FAKE_SEAL not in text.encode()  # base64, not plain
    assert kept.where == f"the key file {path} (readable by the hvdesk users group, dpapi-machine)"
    assert kept.note == ""
    assert ("share_key_folder", str(path.parent)) in windows_like.calls
    assert ("share_key_file", "hvdesk users") in windows_like.calls
    found = keystore.locate(school)
    assert found is not None and found.key == KEY and found.store == "file"


def test_an_older_plain_key_file_is_sealed_the_first_time_an_account_that_may_write_reads_it(
    school, windows_like
):
    path = keystore.key_file(school)
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text(KEY.hex() + "\n")
    path.chmod(0o600)
    assert keystore.locate(school).key == KEY  # type: ignore[union-attr]
    assert path.read_text().startswith("hvdesk-key v1 dpapi-machine\n")
    assert KEY.hex() not in path.read_text() and not path.with_suffix(".tmp").exists()
    assert keystore.locate(school).key == KEY  # type: ignore[union-attr]


def test_an_account_that_may_only_read_an_older_key_file_leaves_it_plain(
    school, windows_like, monkeypatch
):
    path = keystore.key_file(school)
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text(KEY.hex() + "\n")
    path.chmod(0o600)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if mode & os.W_OK else real_access(p, mode)
    )
    assert keystore.locate(school).key == KEY  # type: ignore[union-attr]
    assert path.read_text() == KEY.hex() + "\n"  # the next account that may write seals it


def test_an_older_plain_key_file_is_left_plain_where_there_is_no_sealing(school):
    with platform.FakePlatformScope(FakePlatform()):  # Linux: permissions are the protection
        path = keystore.key_file(school)
        path.parent.mkdir(parents=True, mode=0o700)
        path.write_text(KEY.hex() + "\n")
        path.chmod(0o600)
        assert keystore.locate(school).key == KEY  # type: ignore[union-attr]
    assert path.read_text() == KEY.hex() + "\n"


def test_an_older_plain_key_file_keeps_opening_and_is_sealed_on_the_next_store(
    school, windows_like
):
    path = keystore.key_file(school)
    path.parent.mkdir(parents=True)
    path.write_text(KEY.hex() + "\n")  # what hvdesk wrote before, or IT typed in Notepad
    path.parent.chmod(0o700)
    path.chmod(0o600)
    assert keystore.locate(school).key == KEY  # type: ignore[union-attr]
    new = bytes(reversed(KEY))
    keystore.store(school, new)  # a key rotation, or a key import
    assert path.read_text().startswith("hvdesk-key v1 dpapi-machine\n")
    assert keystore.locate(school).key == new  # type: ignore[union-attr]
    assert not path.with_suffix(".tmp").exists()


def test_a_key_sealed_on_another_pc_is_refused_clearly_and_no_new_key_is_made(
    school, windows_like
):
    keystore.store(school, KEY)
    before = keystore.key_file(school).read_text()
    windows_like.other_pc = True  # the file copied from another PC: DPAPI refuses it
    with pytest.raises(keystore.KeyMissing, match=r"cannot be read on this PC.*key import"):
        keystore.locate(school)
    with pytest.raises(keystore.KeyMissing, match="cannot be read on this PC"):
        keystore.create(school)
    assert keystore.key_file(school).read_text() == before


def test_a_dpapi_key_file_met_on_linux_is_refused_not_misread(school, windows_like):
    keystore.store(school, KEY)
    linux_like = platform.FakePlatformScope(FakePlatform())  # key_protection "none"
    with linux_like, pytest.raises(keystore.KeyMissing, match="protected with dpapi-machine"):
        keystore.locate(school)


def test_without_the_group_the_key_is_owner_only_and_set_up_says_how_to_let_others_in(
    school, caplog
):
    fake = FakePlatform(group_exists=False)
    with platform.FakePlatformScope(fake), caplog.at_level("WARNING", "hvdesk.keystore"):
        kept = keystore.store(school, KEY)
    path = keystore.key_file(school)
    assert kept.where == f"the owner-only key file {path}"
    assert "add the hvdesk users" in kept.note and kept.note in caplog.text
    assert path.read_text() == KEY.hex() + "\n"  # no protection on this platform: plain hex
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unreadable_machine_wide_key_file_names_the_group_and_makes_no_new_key(
    school, monkeypatch
):
    """Runs as root too: the read itself is refused, as it is for an account outside the group."""
    with platform.FakePlatformScope(FakePlatform()):
        keystore.store(school, KEY)
        path = keystore.key_file(school)
        _refuse_reading(monkeypatch, path)
        message = rf"The key file .*{path.name} exists but your account cannot read it: ask IT"
        with pytest.raises(keystore.KeyMissing, match=message + r".*hvdesk users group"):
            keystore.locate(school)
        with pytest.raises(keystore.KeyMissing, match="no new key was made"):
            keystore.create(school)
    monkeypatch.undo()
    assert path.read_text() == KEY.hex() + "\n"


def _reads_unreadable_files() -> bool:
    """Root (with CAP_DAC_OVERRIDE) reads a mode 000 file; an ordinary account cannot."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_text("x")
        probe.chmod(0o000)
        try:
            probe.read_text()
        except PermissionError:
            return False
        return True


@pytest.mark.skipif(
    os.name != "posix" or _reads_unreadable_files(), reason="root reads any file, even mode 000"
)
def test_a_key_file_this_account_may_not_read_is_said_so(school):
    with platform.FakePlatformScope(FakePlatform()):
        keystore.store(school, KEY)
        path = keystore.key_file(school)
        path.chmod(0o000)
        try:
            with pytest.raises(keystore.KeyMissing, match="exists but your account cannot read"):
                keystore.locate(school)
            with pytest.raises(keystore.KeyMissing, match="no new key was made"):
                keystore.create(school)
        finally:
            path.chmod(0o600)


def test_a_key_that_cannot_be_kept_is_one_clear_message(school):
    with platform.FakePlatformScope(FakePlatform()):
        folder = keystore.key_file(school).parent
        folder.parent.mkdir(parents=True)
        folder.write_text("not a folder")  # the keys folder cannot be made
        with pytest.raises(keystore.KeyMissing, match=r"could not be kept .*the key was not changed"):
            keystore.store(school, KEY)


def test_the_per_user_fallback_file_stays_owner_only_and_plain(tmp_path, monkeypatch):
    monkeypatch.delenv(keystore.ENV_KEY, raising=False)
    monkeypatch.setenv("HVDESK_MACHINE_DATA_DIR", str(tmp_path / "programdata"))
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    fake = FakePlatform(key_protection="dpapi-machine")
    own = str(tmp_path / "mine" / "hvdesk.sqlite3")
    with platform.FakePlatformScope(fake):
        kept = keystore.store(own, KEY)
    path = keystore.key_file(own)
    assert "no OS keyring here" in kept.where and fake.calls == []  # no group, no DPAPI
    assert path.read_text() == KEY.hex() + "\n"
    if os.name == "posix":
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_key_file_format_reads_both_forms():
    plain = key_file_format.encode(KEY, "none", lambda data: b"never called")
    assert plain == KEY.hex() + "\n"
    assert key_file_format.protection_of(plain) == "none"
    sealed = key_file_format.encode(KEY, "dpapi-machine", lambda data: data[::-1])
    assert key_file_format.protection_of(sealed) == "dpapi-machine"
    assert key_file_format.decode(sealed, "dpapi-machine", lambda blob: blob[::-1]) == KEY.hex()
    assert key_file_format.decode(plain, "dpapi-machine", lambda blob: b"") == plain
    damaged = "hvdesk-key v1 dpapi-machine\n%%% not base64\n"
    with pytest.raises(key_file_format.KeyFileUnreadable, match="damaged"):
        key_file_format.decode(damaged, "dpapi-machine", lambda blob: blob)


posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@posix_only
@pytest.mark.parametrize("opened", ["file", "folder"])
def test_a_machine_wide_key_open_to_every_account_is_refused_with_the_chmod_that_closes_it(
    school, opened
):
    with platform.FakePlatformScope(FakePlatform()):
        keystore.store(school, KEY)
        path = keystore.key_file(school)
        place = path if opened == "file" else path.parent
        place.chmod(0o644 if opened == "file" else 0o755)
        try:
            message = rf"key {opened} {place} is open to every account.*sudo chmod o-rwx {place} "
            with pytest.raises(keystore.KeyMissing, match=message):
                keystore.locate(school)
            with pytest.raises(keystore.KeyMissing, match="is open to every account"):
                keystore.create(school)  # never a new key either
        finally:
            place.chmod(0o600 if opened == "file" else 0o700)
        assert keystore.locate(school).key == KEY  # type: ignore[union-attr]


@posix_only
def test_a_per_user_key_file_anyone_may_read_is_refused_without_sudo(tmp_path, monkeypatch):
    monkeypatch.delenv(keystore.ENV_KEY, raising=False)
    monkeypatch.setenv("HVDESK_MACHINE_DATA_DIR", str(tmp_path / "programdata"))
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    own = str(tmp_path / "mine" / "hvdesk.sqlite3")
    keystore.store(own, KEY)
    path = keystore.key_file(own)
    path.chmod(0o604)
    with pytest.raises(keystore.KeyMissing, match=rf"mode 0604.* chmod o-rwx {path} ") as err:
        keystore.locate(own)
    assert "sudo" not in str(err.value)


@posix_only
def test_a_member_of_the_group_who_cannot_read_the_key_is_told_the_file_is_not_shared(
    school, monkeypatch
):
    """Joining the group is the fix only for an account outside it: a member is told the file
    (or its folder) is not shared with the group, and the commands that share it."""
    import grp

    own_group = grp.getgrgid(os.getgid()).gr_name  # this account is in it
    with platform.FakePlatformScope(FakePlatform(key_group=own_group)):
        keystore.store(school, KEY)
        path = keystore.key_file(school)
        _refuse_reading(monkeypatch, path)
        with pytest.raises(keystore.KeyMissing) as err:
            keystore.locate(school)
    said = str(err.value)
    assert f"your account is in the {own_group} group, but the key file" in said
    assert f"sudo chmod 0640 {path}" in said and f"sudo chmod 2770 {path.parent}" in said
    assert "ask IT to add you" not in said
