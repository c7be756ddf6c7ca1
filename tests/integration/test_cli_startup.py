"""`hvdesk --version` and `--help` answer at once: no database, PDF or password library is loaded.

The heavy libraries load when a command that needs them runs; these tests hold both halves: the
light start, and that every error path which now imports lazily still gives one plain line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hvdesk import __version__
from hvdesk.cli import main

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "alembic", "reportlab", "phonenumbers", "argon2", "PySide6", "icalendar")

PROBE = """
import contextlib, io, json, sys
sys.argv = ["hvdesk", *json.loads(sys.argv[1])]
from hvdesk.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def loaded_after(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [("--version",), ("--help",), ("demo", "--help"), ("print", "--out")]
)
def test_version_and_help_load_no_heavy_library(args):
    assert loaded_after(*args).isdisjoint(HEAVY)


@pytest.mark.slow
def test_a_command_that_runs_still_loads_what_it_needs(tmp_path):
    assert {"sqlalchemy", "alembic"} <= loaded_after("migrate", "--db", str(tmp_path / "a.db"))


def test_version_is_the_packaged_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"]


def test_lazily_listed_choices_still_refuse_a_wrong_value(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["create-user", "sam", "--name", "Sam", "--role", "boss", "--password", "x"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'boss'" in err and "'office'" in err
    with pytest.raises(SystemExit):
        main(["print", "no-such-form", "--out", "x.pdf"])
    assert "'lone-working'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--preset", "nowhere"])
    assert "'harborne'" in capsys.readouterr().err


def test_help_still_lists_forms_roles_and_presets(capsys):
    for args, words in (
        (["print", "--help"], ("lone-working", "Police information sheet", "--staff ID")),
        (["create-user", "--help"], ("office, approver, visitor, admin",)),
        (["demo", "--help"], ("harborne", "default harborne")),
    ):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert all(w in out for w in words), (args, out)


def test_an_error_that_is_not_the_database_is_not_reported_as_one(monkeypatch, tmp_path):
    """The database-failure line is kept for driver errors only; a bug still surfaces as a bug."""
    from hvdesk.commands import admin

    def broken(args):
        raise ValueError("a bug")

    monkeypatch.setattr(admin, "run_migrate", broken)
    with pytest.raises(ValueError, match="a bug"):
        main(["migrate", "--db", str(tmp_path / "x.sqlite3")])
