"""Data protection after a review: a lost or emptied database, concurrent hvdesk processes, key
rotation and backups, plain data coming back, and the messages that say what to do."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hvdesk import keystore
from hvdesk.cli import main
from hvdesk.sqlcipher_files import check_file


@pytest.fixture
def own_key_file(tmp_path, monkeypatch) -> Path:
    """No HVDESK_DB_KEY and no keyring: keys live in owner-only files under tmp_path/config."""
    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    return tmp_path / "config"


def _backed_up(demo_file: Path, capsys) -> Path:
    backup = demo_file.parent / "backups" / "school-20261124.sqlite3"
    backup.parent.mkdir(exist_ok=True)
    assert main(["backup", "--db", str(demo_file), "--out", str(backup)]) == 0
    capsys.readouterr()
    return backup


def test_create_never_replaces_a_kept_key(tmp_path, own_key_file):
    target = str(tmp_path / "school.sqlite3")
    first = keystore.create(target)
    with pytest.raises(keystore.KeyMissing, match=r"already keeps a key.*hvdesk restore"):
        keystore.create(target)
    assert keystore.locate(target).key == first.key  # type: ignore[union-attr]


def test_an_emptied_database_is_damage_not_a_new_school(own_key_file, demo_file, capsys):
    backup = _backed_up(demo_file, capsys)
    key_before = keystore.locate(str(demo_file))
    demo_file.write_bytes(b"")  # `: > school.sqlite3`
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "empty" in err
    assert f"hvdesk restore {backup}" in err
    assert demo_file.stat().st_size == 0  # no new, empty database in its place
    assert keystore.locate(str(demo_file)) == key_before
    assert main(["restore", str(backup), "--db", str(demo_file)]) == 0
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0


def test_a_missing_database_with_its_key_and_backups_is_lost_not_new(
    own_key_file, demo_file, capsys
):
    backup = _backed_up(demo_file, capsys)
    key_before = keystore.locate(str(demo_file))
    demo_file.unlink()
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and f"hvdesk restore {backup}" in err
    assert not demo_file.exists()
    assert keystore.locate(str(demo_file)) == key_before
    assert main(["restore", str(backup), "--db", str(demo_file)]) == 0
    assert check_file(demo_file, key_before).ok


def test_the_backup_folder_set_by_it_is_where_restore_looks(demo_file, tmp_path, capsys):
    from hvdesk.backup_places import backup_folder
    from hvdesk.restore import last_good_backups, newest_good_backup

    it_folder = tmp_path / "it-backups"
    it_folder.mkdir()
    machine = Path(os.environ["HVDESK_MACHINE_CONFIG_DIR"])
    (machine / "hvdesk.ini").write_text(f"[hvdesk]\nbackup_folder = {it_folder}\n")
    backup = it_folder / "school-20261124.sqlite3"
    assert main(["backup", "--db", str(demo_file), "--out", str(backup)]) == 0
    assert backup_folder(demo_file) == it_folder
    found = newest_good_backup(demo_file)
    assert found is not None and found.path == backup
    assert last_good_backups(demo_file)[0][0] == it_folder  # what Settings shows
    demo_file.write_bytes(b"")
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    assert f"hvdesk restore {backup}" in capsys.readouterr().err


def test_rotate_restore_and_encrypt_are_refused_while_a_window_has_the_database_open(
    demo_file, tmp_path, monkeypatch, capsys
):
    import subprocess
    import sys

    from hvdesk import in_use

    backup = _backed_up(demo_file, capsys)
    plain = tmp_path / "plain.sqlite3"
    monkeypatch.setenv("HVDESK_PLAIN_DB", "1")
    assert main(["audit", "verify", "--db", str(plain)]) == 0  # a new plain database
    monkeypatch.delenv("HVDESK_PLAIN_DB")
    monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
    script = (
        "import sys; from pathlib import Path; from hvdesk import in_use\n"
        "held = [in_use.hold(Path(p), 'the hvdesk window of jpatel (pid 7 on OFFICE)')"
        " for p in sys.argv[1:]]\n"
        "print('held', flush=True); sys.stdin.readline()\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script, str(demo_file), str(plain)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        size, key = demo_file.stat().st_size, keystore.locate(str(demo_file))
        capsys.readouterr()
        for argv in (
            ["key", "rotate", "--user", "admin", "--db", str(demo_file)],
            ["restore", str(backup), "--db", str(demo_file)],
            ["encrypt", "--db", str(plain)],
        ):
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert "open in another hvdesk: the hvdesk window of jpatel" in err, argv
            # key rotate signed the admin in (audited) first: it promises only what is true
            unchanged = "The key was not changed" if argv[0] == "key" else "Nothing was changed"
            assert "Quit" in err and unchanged in err, argv
        assert demo_file.stat().st_size == size and keystore.locate(str(demo_file)) == key
        assert not list(tmp_path.glob("school.sqlite3.replaced-*"))
    finally:
        other.communicate("\n", timeout=30)
    assert in_use.live_holders(demo_file) == []  # the window quit: its lock went with it
    assert main(["restore", str(backup), "--db", str(demo_file)]) == 0
    assert main(["encrypt", "--db", str(plain)]) == 0


def test_a_crashed_holder_leaves_nothing_that_blocks(demo_file, capsys):
    from hvdesk import in_use

    backup = _backed_up(demo_file, capsys)
    left = in_use.folder(demo_file) / "OFFICE-99-dead.lock"
    left.parent.mkdir()
    left.write_text("the hvdesk window of a crashed copy\n")  # nobody holds its lock
    assert main(["restore", str(backup), "--db", str(demo_file)]) == 0
    assert not left.exists()


def test_a_live_monitor_lease_refuses_a_key_rotation(demo_file, monkeypatch, capsys):
    from hvdesk.clock import SystemClock
    from hvdesk.db import Database
    from hvdesk.notify.lease import Lease

    db = Database(f"sqlite:///{demo_file}", key=keystore.locate(str(demo_file)))
    assert Lease(db, SystemClock(), host="SERVER", pid=4242).beat()
    db.dispose()
    monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
    key = keystore.locate(str(demo_file))
    assert main(["key", "rotate", "--user", "admin", "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert "the hvdesk monitor SERVER:4242" in err and "The key was not changed." in err
    assert "Nothing was changed" not in err  # the admin's sign-in was audited: something was
    assert keystore.locate(str(demo_file)) == key


def test_a_window_cannot_open_the_database_while_it_is_being_restored(demo_file):
    from hvdesk import in_use
    from hvdesk.errors import HvdeskError

    with (
        in_use.alone(demo_file, "restore"),
        pytest.raises(HvdeskError, match="being restored, re-keyed or encrypted"),
    ):
        in_use.Holder(demo_file, "a window").hold()
    held = in_use.hold(demo_file, "a window")
    assert held is not None and in_use.live_holders(demo_file) == ["a window"]
    held.release()


def test_key_rotation_backs_up_under_the_new_key_and_says_old_backups_need_the_old_sheet(
    own_key_file, demo_file, monkeypatch, capsys
):
    from hvdesk.restore import check_backup

    older = _backed_up(demo_file, capsys)
    old_key = keystore.locate(str(demo_file))
    monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
    assert main(["key", "rotate", "--user", "admin", "--db", str(demo_file)]) == 0
    out = capsys.readouterr().out
    new_key = keystore.locate(str(demo_file))
    assert new_key is not None and new_key.key != old_key.key  # type: ignore[union-attr]
    fresh = [p for p in older.parent.glob("school-*.sqlite3.gz")]
    assert len(fresh) == 1 and f"Backed up under the new key at once: {fresh[0]}" in out
    assert check_backup(fresh[0], new_key)[0].ok
    assert "open only with the OLD key" in out and str(older) in out
    assert "keep the old recovery sheet" in out
    assert check_backup(older, old_key)[0].ok and not check_backup(older, new_key)[0].ok


@pytest.fixture
def plain_demo(tmp_path, monkeypatch, capsys) -> Path:
    path = tmp_path / "plain" / "school.sqlite3"
    path.parent.mkdir()
    monkeypatch.setenv("HVDESK_PLAIN_DB", "1")
    assert main(["demo", "--db", str(path)]) == 0
    monkeypatch.delenv("HVDESK_PLAIN_DB")
    capsys.readouterr()
    return path


def test_a_plain_backup_restored_over_an_encrypted_database_comes_back_encrypted(
    demo_file, plain_demo, capsys
):
    from hvdesk.sqlcipher_files import is_plain_sqlite

    before = check_file(plain_demo, None)
    assert main(["restore", str(plain_demo), "--db", str(demo_file)]) == 0
    assert not is_plain_sqlite(demo_file)
    after = check_file(demo_file, keystore.locate(str(demo_file)))
    assert after.counts == before.counts and after.checksum == before.checksum
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0


def test_encrypt_encrypts_the_plain_backups_too(plain_demo, capsys):
    import gzip
    import shutil

    from hvdesk.restore import check_backup
    from hvdesk.sqlcipher_files import PLAIN_HEADER

    folder = plain_demo.parent / "backups"
    folder.mkdir()
    copy = folder / "school-20261120.sqlite3"
    shutil.copy2(plain_demo, copy)
    packed = folder / "school-20261123.sqlite3.gz"
    with plain_demo.open("rb") as raw, gzip.open(packed, "wb") as out:
        shutil.copyfileobj(raw, out)
    assert main(["encrypt", "--db", str(plain_demo)]) == 0
    out = capsys.readouterr().out
    assert "Encrypted its 2 plain backup(s) too" in out
    key = keystore.locate(str(plain_demo))
    assert not copy.read_bytes().startswith(PLAIN_HEADER)
    with gzip.open(packed, "rb") as back:
        assert not back.read(16).startswith(PLAIN_HEADER)
    for backup in (copy, packed):
        result, used = check_backup(backup, key)
        assert result.ok and used is not None
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # nothing left behind


def test_damage_messages_say_damaged_name_the_backup_and_the_users_file(
    demo_file, tmp_path, monkeypatch, capsys
):
    import gzip
    import shutil

    backup = _backed_up(demo_file, capsys)
    packed = backup.with_name(backup.name + ".gz")
    with backup.open("rb") as raw, gzip.open(packed, "wb") as out:
        shutil.copyfileobj(raw, out)
    backup.unlink()
    with demo_file.open("r+b") as handle:  # a corrupt, non-page-sized file
        handle.truncate(5000)
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and f"hvdesk restore {packed}" in err
    assert "new file name" not in err
    monkeypatch.setenv(keystore.ENV_KEY, "ab" * 32)  # the wrong key: the user's .gz is named
    assert main(["restore", str(packed), "--db", str(demo_file)]) == 2
    err = capsys.readouterr().err
    assert str(packed) in err and ".hvdesk-check-" not in err and "key" in err
    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "no-keys"))
    other = tmp_path / "elsewhere" / "school.sqlite3"
    other.parent.mkdir()
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    assert main(["restore", str(packed), "--db", str(other)]) == 2
    err = capsys.readouterr().err
    assert "encrypted and hvdesk has no key" in err and "file is not a database" not in err


@pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX file modes (0o600): Windows guards the sheet by its ACL"
)
def test_recovery_sheets_are_owner_only_and_set_up_uses_a_fresh_file(
    qtbot, demo_file, tmp_path, clock, monkeypatch, capsys
):
    import stat

    from hvdesk.commands.common import connect
    from ui import dialogs, login
    from ui.services import AppServices

    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"")
    out.chmod(0o644)  # an existing, world-readable file is overwritten owner-only
    monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
    argv = ["key", "sheet", "--user", "admin", "--out", str(out), "--db", str(demo_file)]
    assert main(argv) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    opened: list[Path] = []
    monkeypatch.setattr(dialogs, "ask", lambda *_a: True)
    monkeypatch.setattr(dialogs, "tell", lambda *_a: None)
    monkeypatch.setattr(login, "open_pdf", lambda path: opened.append(path) or True)
    fixed = Path(login.tempfile.gettempdir()) / "hvdesk-recovery-sheet.pdf"
    db = connect(str(demo_file))
    services = AppServices.build(db, clock)
    admin = services.auth.sign_in("admin", "hvdesk-demo")
    login.offer_recovery_sheet(None, services, admin)
    login.offer_recovery_sheet(None, services, admin)
    db.dispose()
    assert len(opened) == 2 and opened[0] != opened[1] and fixed not in opened
    for path in opened:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.stat().st_size > 1000
        path.unlink()


def test_key_import_checks_the_typed_key_then_keeps_it(
    own_key_file, demo_file, monkeypatch, capsys
):
    import io

    from hvdesk.printing.recovery_sheet import key_groups

    key = keystore.locate(str(demo_file))
    assert key is not None
    for path in (own_key_file / "keys").iterdir():
        path.unlink()  # a rebuilt PC: the key is only on the recovery sheet now
    assert main(["audit", "verify", "--db", str(demo_file)]) == 2
    assert "hvdesk key import" in capsys.readouterr().err
    monkeypatch.setenv("HVDESK_PASSWORD", "hvdesk-demo")
    argv = ["key", "import", "--user", "admin", "--db", str(demo_file)]
    monkeypatch.setattr("sys.stdin", io.StringIO("ab" * 32 + "\n"))  # a wrong key
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Key: the key typed does not open" in err and "Nothing was stored" in err
    assert keystore.locate(str(demo_file)) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("12345\n"))
    assert main(argv) == 2
    assert "Key: a database key is 64 hexadecimal digits" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(key_groups(key) + "\n"))  # as on the sheet
    assert main(argv) == 0
    assert "now kept in the owner-only key file" in capsys.readouterr().out
    found = keystore.locate(str(demo_file))
    assert found is not None and found.key == key.key
    assert main(["audit", "verify", "--db", str(demo_file)]) == 0
    from sqlalchemy import select

    from hvdesk.db import Database
    from hvdesk.models import Event

    db = Database(f"sqlite:///{demo_file}", key=found)
    with db.read() as s:
        assert s.scalar(select(Event.user_name).where(Event.kind == "database_key_imported"))
    db.dispose()


def test_a_folder_where_the_in_use_file_cannot_be_written_never_stops_monitoring(
    tmp_path, monkeypatch
):
    from hvdesk import in_use

    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(in_use.Path, "mkdir", refuse)
    assert in_use.hold(tmp_path / "school.sqlite3", "the hvdesk monitor") is None
