"""Data protection after a review: a lost or emptied database, concurrent hvdesk processes, key
rotation and backups, plain data coming back, and the messages that say what to do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hvdesk import keystore
from hvdesk.cli import main
from hvdesk.sqlcipher_files import check_file


@pytest.fixture
def demo_file(tmp_path, capsys) -> Path:
    path = tmp_path / "school.sqlite3"
    assert main(["demo", "--db", str(path)]) == 0
    capsys.readouterr()
    return path


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
    with pytest.raises(keystore.KeyMissing, match="already keeps a key.*hvdesk restore"):
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
