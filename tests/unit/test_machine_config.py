"""The school's database belongs to the PC: machine-wide settings, data folder, profile warnings."""

from __future__ import annotations

import pytest

from hvdesk import config
from hvdesk.errors import HvdeskError
from hvdesk.profile_check import data_folder_warning


@pytest.fixture
def machine(tmp_path, monkeypatch):
    folder = tmp_path / "machine"
    folder.mkdir()
    monkeypatch.setenv("HVDESK_MACHINE_CONFIG_DIR", str(folder))
    monkeypatch.delenv("HVDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("HVDESK_DATA_DIR", str(tmp_path / "data"))
    return folder


def test_machine_config_dir_is_overridable_and_defaults_to_etc_on_linux(machine, monkeypatch):
    assert config.machine_config_dir() == machine
    monkeypatch.delenv("HVDESK_MACHINE_CONFIG_DIR")
    if config.sys.platform != "win32":
        assert str(config.machine_config_dir()) == "/etc/hvdesk"


def test_no_ini_keeps_the_data_folder_default(machine, tmp_path):
    assert config.machine_settings() == config.MachineSettings()
    assert config.database_url() == f"sqlite:///{tmp_path / 'data' / 'hvdesk.sqlite3'}"


def test_ini_names_the_database_and_the_backup_folder(machine, tmp_path):
    school = tmp_path / "school" / "hvdesk.sqlite3"
    (machine / "hvdesk.ini").write_text(
        f"\ufeff[hvdesk]\ndatabase = {school}\nbackup_folder = {tmp_path / 'backups'}\n",
        encoding="utf-8",
    )  # Notepad's BOM is fine
    settings = config.machine_settings()
    assert settings.database == str(school)
    assert settings.backup_folder == tmp_path / "backups"
    assert settings.source.endswith("hvdesk.ini")
    assert config.database_url() == f"sqlite:///{school}"


def test_env_and_db_option_still_win(machine, tmp_path, monkeypatch):
    (machine / "hvdesk.ini").write_text("[hvdesk]\ndatabase = postgresql+psycopg://u@ini/db\n")
    assert config.database_url() == "postgresql+psycopg://u@ini/db"
    monkeypatch.setenv("HVDESK_DATABASE_URL", "postgresql+psycopg://u@env/db")
    assert config.database_url() == "postgresql+psycopg://u@env/db"
    assert config.database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_a_broken_ini_is_named_with_the_fix(machine):
    (machine / "hvdesk.ini").write_text("database = x\n")  # no section header
    with pytest.raises(HvdeskError, match=r"hvdesk.ini.*\[hvdesk\] section"):
        config.machine_settings()


def test_backups_go_to_the_machine_backup_folder(machine, tmp_path, db, clock):
    from hvdesk.backup import daily_backup

    (machine / "hvdesk.ini").write_text(f"[hvdesk]\nbackup_folder = {tmp_path / 'bk'}\n")
    made = daily_backup(db, clock)
    assert made is not None and made.parent == tmp_path / "bk"


WIN_ENV = {
    "USERPROFILE": r"C:\Users\jpatel",
    "APPDATA": r"C:\Users\jpatel\AppData\Roaming",
    "LOCALAPPDATA": r"C:\Users\jpatel\AppData\Local",
    "TEMP": r"C:\Users\jpatel\AppData\Local\Temp",
}


@pytest.mark.parametrize(
    ("folder", "env", "words"),
    [
        (r"C:\ProgramData\hvdesk", WIN_ENV, None),
        (r"D:\hvdesk", WIN_ENV, None),
        (r"C:\Users\jpatel\AppData\Roaming\hvdesk", WIN_ENV, "roaming"),
        (r"C:\Users\jpatel\AppData\Local\Temp\hvdesk", WIN_ENV, "temporary"),
        (r"C:\Users\jpatel\AppData\Local\hvdesk", WIN_ENV, "Windows profile"),
        (
            r"C:\Users\TEMP\AppData\Local\hvdesk",
            {**WIN_ENV, "USERPROFILE": r"C:\Users\TEMP"},
            "temporary profile",
        ),
        (r"C:\Users\jpatel\AppData\Local\hvdesk", {**WIN_ENV, "__roams__": "1"}, "roaming"),
    ],
)
def test_windows_profile_warnings(folder, env, words):
    roams = env.pop("__roams__", "") == "1" if "__roams__" in env else False
    warning = data_folder_warning(folder, env, windows=True, profile_roams=roams)
    if words is None:
        assert warning is None
    else:
        assert warning is not None and words in warning


def test_linux_warns_only_for_temporary_folders():
    env = {"HOME": "/home/sam"}
    assert data_folder_warning("/home/sam/.local/share/hvdesk", env, windows=False) is None
    assert "temporary" in (data_folder_warning("/tmp/hvdesk", env, windows=False) or "")


def test_the_ini_database_gets_one_machine_wide_key_for_every_windows_user(
    machine, tmp_path, monkeypatch
):
    """database= in hvdesk.ini is the PC's school: its key file sits in the machine config folder,
    so the head signing in after the office opens the same school with the same key."""
    from hvdesk import keystore

    school = tmp_path / "school" / "hvdesk.sqlite3"
    (machine / "hvdesk.ini").write_text(f"[hvdesk]\ndatabase = {school}\n")
    monkeypatch.delenv(keystore.ENV_KEY, raising=False)
    keyring: dict[str, str] = {}  # a per-user keyring, emptied when the user changes
    monkeypatch.setattr(keystore, "_keyring_set", lambda tid, v: keyring.__setitem__(tid, v) or 1)
    monkeypatch.setattr(keystore, "_keyring_get", lambda tid: keyring.get(tid))

    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "office-home"))
    made = keystore.create(str(school))
    assert made.store == "file"
    assert keystore.key_file(str(school)).is_relative_to(machine)
    assert "OS keyring" not in keystore.looked_in(str(school))

    keyring.clear()
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "head-home"))
    found = keystore.locate(str(school))
    assert found is not None and found.key == made.key
    assert not (tmp_path / "head-home").exists() and not (tmp_path / "office-home").exists()


@pytest.fixture
def fresh_notices(monkeypatch):
    monkeypatch.setattr(config, "_NOTICES", {})


def test_an_upgraded_pc_keeps_the_per_user_school_and_says_how_to_move_it(
    tmp_path, monkeypatch, fresh_notices, caplog
):
    """The office's school is in its profile; the head's first start made an empty machine-wide
    one. The office must still open its own school, told (and IT, in the log) how to move it."""
    machine, office = tmp_path / "ProgramData" / "hvdesk", tmp_path / "office" / "hvdesk"
    office.mkdir(parents=True)
    (office / config.DB_FILE).write_bytes(b"office's school")
    monkeypatch.setattr(config, "site_data_path", lambda *a, **k: machine)
    monkeypatch.setattr(config, "user_data_path", lambda *a, **k: office)
    assert config._default_data_path(windows=True) == office
    machine.mkdir(parents=True)
    (machine / config.DB_FILE).write_bytes(b"the head's new, empty school")
    assert config._default_data_path(windows=True) == office  # still the office's school
    notices = config.start_notices()
    assert len(notices) == 2 and all(str(office) in n for n in notices)
    assert "Moving a school out of a Windows profile" in notices[-1]
    assert "another Windows user started a separate one" in notices[-1]
    assert notices[-1] in caplog.text


def test_a_new_windows_install_uses_the_machine_folder(tmp_path, monkeypatch, fresh_notices):
    machine, user = tmp_path / "ProgramData" / "hvdesk", tmp_path / "head" / "hvdesk"
    monkeypatch.setattr(config, "site_data_path", lambda *a, **k: machine)
    monkeypatch.setattr(config, "user_data_path", lambda *a, **k: user)
    assert config._default_data_path(windows=True) == machine
    assert config.start_notices() == []


def test_an_ansi_ini_from_inno_setup_is_read(machine, tmp_path, fresh_notices):
    school = tmp_path / "St Marys – Office" / "hv.sqlite3"
    (machine / "hvdesk.ini").write_bytes(f"[hvdesk]\ndatabase = {school}\n".encode("cp1252"))
    assert config.machine_settings().database == str(school)


def test_a_misspelt_ini_key_is_named_not_ignored(machine, fresh_notices, caplog):
    (machine / "hvdesk.ini").write_text("[hvdesk]\ndatabse = D:\\school\\hv.sqlite3\n")
    assert config.machine_settings().database is None
    (notice,) = config.start_notices()
    assert "'databse' is not an hvdesk setting" in notice
    assert "did you mean 'database'?" in notice
    assert notice in caplog.text
