"""The command line works with no display: --help, --version, demo, create-user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.slow
def test_help_and_version_need_no_display():
    out = run("--help")
    assert out.returncode == 0 and "home visits" in out.stdout
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("hvdesk ")


@pytest.mark.slow
def test_demo_command_loads_once(tmp_path):
    db = tmp_path / "demo.sqlite3"
    out = run("demo", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "30 households" in out.stdout
    again = run("demo", "--db", str(db))
    assert again.returncode == 2
    assert "already has staff" in again.stderr
    assert "Traceback" not in again.stderr


def test_database_url_precedence(tmp_path, monkeypatch):
    from hvdesk.config import database_url

    monkeypatch.setenv("HVDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HVDESK_DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'hvdesk.sqlite3'}"
    monkeypatch.setenv("HVDESK_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_create_user_command(tmp_path, capsys):
    from hvdesk.cli import main

    db = str(tmp_path / "u.sqlite3")
    assert (
        main(
            [
                "create-user",
                "--db",
                db,
                "admin",
                "--name",
                "IT",
                "--role",
                "admin",
                "--password",
                "password123",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "create-user",
                "--db",
                db,
                "x y",
                "--name",
                "IT",
                "--role",
                "office",
                "--password",
                "password123",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "Username" in err and "lower-case" in err
