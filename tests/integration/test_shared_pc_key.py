"""The school shared by the accounts of one office PC: its key, as the office and IT meet it.

The platform is the fake standing in for Windows (DPAPI machine scope, the "hvdesk users" group);
the commands, the database and the key file on disk are real.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from hvdesk import keystore, platform
from hvdesk.cli import main
from hvdesk.platform.fake import FakePlatform
from hvdesk.platform.linux import KEY_GROUP


@pytest.fixture
def shared_pc(tmp_path, monkeypatch) -> Path:
    """The machine-wide data folder, no HVDESK_DB_KEY and no keyring: the key lives in a file."""
    data = tmp_path / "programdata"
    data.mkdir()
    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_MACHINE_DATA_DIR", str(data))
    monkeypatch.setenv("HVDESK_MACHINE_CONFIG_DIR", str(tmp_path / "machine-config"))
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "office-config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    return data / "hvdesk.sqlite3"


def test_the_shared_school_key_is_sealed_and_another_account_outside_the_group_is_told(
    shared_pc, monkeypatch, capsys, caplog
):
    fake = FakePlatform(key_protection="dpapi-machine", group_exists=False)
    with platform.FakePlatformScope(fake):
        monkeypatch.setenv("HVDESK_PLAIN_DB", "1")  # an older plain school (its safe words keyed)
        with caplog.at_level("WARNING", "hvdesk.keystore"):
            assert main(["demo", "--db", str(shared_pc)]) == 0
        assert "Only your account can read" in caplog.text  # said at set-up
        monkeypatch.delenv("HVDESK_PLAIN_DB")
        assert main(["encrypt", "--db", str(shared_pc)]) == 0
        path = keystore.key_file(str(shared_pc))
        assert f"the key is in the key file {path}" in capsys.readouterr().out
        sealed = path.read_text()
        assert sealed.startswith("hvdesk-key v1 dpapi-machine\n")
        assert main(["audit", "verify", "--db", str(shared_pc)]) == 0  # opens with the sealed key
        capsys.readouterr()

        real_read = Path.read_text

        def refused(self, *args, **kwargs):  # the head's account, not in the group yet
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self, *args, **kwargs)

        monkeypatch.setattr(Path, "read_text", refused)
        assert main(["audit", "verify", "--db", str(shared_pc)]) == 2
        err = capsys.readouterr().err
    monkeypatch.setattr(Path, "read_text", real_read)
    assert f"The key file {path} exists but your account cannot read it" in err
    assert "ask IT to add you to the hvdesk users group" in err and "Traceback" not in err
    assert path.read_text() == sealed  # no new key


def test_set_up_of_a_new_shared_school_tells_it_who_else_can_open_it(
    qtbot, shared_pc, clock, monkeypatch
):
    from hvdesk.commands.common import connect
    from ui import dialogs, login
    from ui.services import AppServices

    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask", lambda _parent, _title, text: asked.append(text) and False)
    with platform.FakePlatformScope(FakePlatform(group_exists=False)):
        db = connect(str(shared_pc))  # a new school: the key is made here
    try:
        login.offer_recovery_sheet(None, AppServices.build(db, clock), None)  # type: ignore[arg-type]
    finally:
        db.dispose()
    assert len(asked) == 1 and "A note for IT: Only your account can read" in asked[0]
    with platform.FakePlatformScope(FakePlatform()):  # with the group: nothing to tell IT
        group_db = connect(str(shared_pc.with_name("second.sqlite3")))
    try:
        login.offer_recovery_sheet(None, AppServices.build(group_db, clock), None)  # type: ignore[arg-type]
    finally:
        group_db.dispose()
    assert "A note for IT" not in asked[1] and "readable by the hvdesk users group" in asked[1]


def _other_group() -> tuple[str, int] | None:
    if os.name != "posix":
        return None
    import grp

    return next(((g.gr_name, g.gr_gid) for g in grp.getgrall() if g.gr_gid != 0), None)


def _as_account(groups: str, target: str, env: dict[str, str]) -> str:
    """Look up the key as another account: root without its capabilities (so file permissions
    apply to it as to anyone) and with only the supplementary groups given."""
    import subprocess
    import sys

    code = (
        "from hvdesk import keystore\n"
        "try:\n"
        f"    print(keystore.locate({target!r}).hex)\n"
        "except keystore.KeyMissing as err:\n"
        "    print(err)\n"
    )
    argv = ["setpriv", "--reuid=0", "--regid=0", *groups.split(), "--inh-caps=-all"]
    argv += ["--bounding-set=-all", sys.executable, "-c", code]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or not shutil.which("setpriv") or not _other_group(),
    reason="needs root and setpriv to act as two accounts without adding users",
)
def test_an_account_in_the_group_reads_the_shared_key_and_one_outside_is_told(
    shared_pc, tmp_path
):
    from hvdesk.platform.linux import LinuxPlatform

    name, gid = _other_group()  # type: ignore[misc]
    with platform.FakePlatformScope(LinuxPlatform(key_group=name)):
        kept = keystore.store(str(shared_pc), bytes(range(32)))
    path = keystore.key_file(str(shared_pc))
    assert f"readable by the {name} group" in kept.where
    for owned in (path.parent, path):
        os.chown(owned, 4242, -1)  # set up by another account: this one is not the owner
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop(keystore.ENV_KEY, None)  # the fixture took it out of this process already
    in_group = _as_account(f"--groups={gid}", str(shared_pc), env)
    assert in_group == bytes(range(32)).hex()
    outside = _as_account("--clear-groups", str(shared_pc), env)
    assert outside.startswith(f"The key file {path} exists but your account cannot read it")
    assert f"ask IT to add you to the {KEY_GROUP} group" in outside


def _access(path: Path) -> tuple[str, int]:
    import stat

    shown = path.stat()
    return oct(stat.S_IMODE(shown.st_mode)), shown.st_gid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX groups and modes")
def test_every_file_of_the_shared_school_is_writable_by_the_group_through_rotate_and_restore(
    shared_pc, monkeypatch, capsys
):
    """Members read the key, so they must write the school too: the database (and with it its
    -wal/-shm), its folder, its backups, the re-keyed file and a restored one are 0660 with the
    group (folders 2770), never the maker's umask 0644. This account's own group stands in for
    hvdesk, as in the platform tests."""
    import grp

    own_group = grp.getgrgid(os.getgid()).gr_name
    shared = ("0o660", os.getgid())
    with platform.FakePlatformScope(FakePlatform(key_group=own_group)):
        assert main(["demo", "--db", str(shared_pc)]) == 0
        assert _access(shared_pc) == shared
        assert _access(shared_pc.parent) == ("0o2770", os.getgid())
        wal = Path(f"{shared_pc}-wal")
        assert not wal.exists() or _access(wal) == shared  # SQLite copies the database's mode
        monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
        assert main(["key", "rotate", "--user", "admin", "--db", str(shared_pc)]) == 0
        assert _access(shared_pc) == shared  # the re-keyed copy swapped in kept the group
        from hvdesk import in_use

        busy = in_use.folder(shared_pc)  # every member's window makes its lock file in here
        assert _access(busy) == ("0o2770", os.getgid())
        assert _access(busy / in_use.MAINTENANCE) == shared
        backups = sorted((shared_pc.parent / "backups").glob("*.gz"))
        assert backups and all(_access(b) == shared for b in backups)
        assert _access(shared_pc.parent / "backups") == ("0o2770", os.getgid())
        capsys.readouterr()
        assert main(["restore", str(backups[-1]), "--db", str(shared_pc)]) == 0
        assert _access(shared_pc) == shared
