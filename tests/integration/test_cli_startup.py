"""`hvdesk --version` and `--help` answer at once: no database, PDF or password library is loaded.

The heavy libraries load when a command that needs them runs; these tests hold both halves: the
light start, and that every error path which now imports lazily still gives one plain line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

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
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(*args: str) -> set[str]:
    """The top-level packages loaded after `hvdesk ARGS` ran in a fresh interpreter."""
    return {m.split(".")[0] for m in modules_after(*args)}


def modules_after(*args: str) -> set[str]:
    """Every module (full dotted name) loaded after `hvdesk ARGS` ran in a fresh interpreter."""
    return set(probed(PROBE, json.dumps(args)))


def probed(code: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run a probe script in a fresh interpreter (it must succeed) and return the JSON it printed
    on its last line."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("--help",),
        ("demo", "--help"),
        ("print", "--out"),
        ("print", "--help"),  # lists every form from hvdesk.form_list, not from ReportLab's
        ("print", "no-such-form", "--out", "x.pdf"),  # the refusal lists them too
        ("print", "lone-working", "--out", "x.pdf"),  # a missing --staff is said before loading
    ],
)
def test_version_and_help_load_no_heavy_library(args):
    assert loaded_after(*args).isdisjoint(HEAVY)


@pytest.mark.slow
def test_print_help_loads_little_more_than_help():
    """The form table is plain (no dataclasses, whose import of `inspect` was a third of it)."""
    extra = modules_after("print", "--help") - modules_after("--help")
    assert "hvdesk.form_list" in extra
    assert {"dataclasses", "inspect", "hvdesk.printing", "reportlab"}.isdisjoint(extra), extra


def test_the_form_list_is_every_printable_form_with_its_printed_title():
    """The table help lists is the one the forms are built from (no second list to drift)."""
    from hvdesk.form_list import FORM_LIST
    from hvdesk.printing import FORMS, letters, lone_working

    assert list(FORMS) == list(FORM_LIST)
    assert all(FORMS[n].title == e.title and FORMS[n].wide == e.wide for n, e in FORM_LIST.items())
    assert lone_working.TITLE == "Lone Working Risk Assessment"
    assert letters.SLIP_FORM_TITLE == "'Sorry you weren't in' slip"


@pytest.mark.slow
@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_load_no_qt_and_no_calendar_library(args):
    assert loaded_after(*args).isdisjoint({"PySide6", "icalendar"})


@pytest.mark.slow
@pytest.mark.parametrize("args", [("--version",), ("--help",), ("--db", "x.db", "--version")])
def test_version_and_help_load_no_keystore_and_no_command_module(args):
    """The key store (platformdirs, hashlib, keyring glue) and every command's module wait until a
    command is named: `--help` lists the commands from hvdesk.commands.COMMANDS alone."""
    loaded = modules_after(*args)
    assert {"hvdesk.keystore", "platformdirs", "sqlalchemy"}.isdisjoint(loaded)
    commands = {m for m in loaded if m.startswith("hvdesk.commands.")}
    assert commands <= {"hvdesk.commands.parsers"}, commands


@pytest.mark.slow
def test_a_command_s_help_builds_that_command_alone():
    loaded = modules_after("demo", "--help")
    assert "hvdesk.commands.demo" in loaded
    assert {"hvdesk.commands.printing", "hvdesk.commands.trust"}.isdisjoint(loaded)


def test_version_alone_answers_without_a_parser(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"hvdesk {__version__}\n"
    with pytest.raises(SystemExit) as stop:  # with other options: argparse's own --version
        main(["--db", "x.db", "--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"hvdesk {__version__}\n"


def test_every_listed_command_builds_its_parser_and_what_it_runs(capsys):
    """The list in --help and the modules that build the commands agree: each name builds."""
    from hvdesk.cli import build_parser
    from hvdesk.commands import COMMANDS

    for name in COMMANDS:
        with pytest.raises(SystemExit) as stop:
            main([name, "--help"])
        assert stop.value.code == 0
        assert f"usage: hvdesk {name} " in capsys.readouterr().out
    parser = build_parser()
    ns = parser.parse_args(["migrate", "--db", "x.db"])
    assert ns.command == "migrate" and callable(ns.run) and ns.sub_db == "x.db"
    listed = parser.format_help()
    assert all(f"    {name} " in listed for name in COMMANDS)


def test_an_unknown_command_lists_every_command_in_order(capsys):
    from hvdesk.commands import COMMANDS

    with pytest.raises(SystemExit) as stop:
        main(["nosuch"])
    assert stop.value.code == 2
    choices = ", ".join(f"'{name}'" for name in COMMANDS)
    assert f"invalid choice: 'nosuch' (choose from {choices})" in capsys.readouterr().err


SCRIPT_PROBE = """
import contextlib, io, json, sys
sys.argv = ["hvdesk", "--version"]
from ui.launch import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


@pytest.mark.slow
def test_the_installed_scripts_answer_version_without_qt_or_sqlalchemy():
    """`hvdesk --version` (ui.launch, as main.py and both scripts) loads neither Qt nor the core."""
    assert set(probed(SCRIPT_PROBE)).isdisjoint(HEAVY)


def test_both_scripts_open_the_window_when_no_command_is_given():
    """hvdesk-gui is what a Windows shortcut runs: it must reach the window, not the bare CLI."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert scripts["scripts"]["hvdesk"] == "ui.launch:main"
    assert scripts["gui-scripts"]["hvdesk-gui"] == "ui.launch:main"


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


GUI_PROBE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.app import create_application
from ui.login import LoginDialog
create_application([])
dialog = LoginDialog(None)
dialog.show()
app.processEvents()
print(" ".join(sorted(sys.modules)))
"""


@pytest.mark.slow
def test_the_sign_in_dialog_shows_before_any_database_library_loads():
    """The dialog is painted while the database opens on the worker (ui/app.py)."""
    out = subprocess.run(
        [sys.executable, "-c", GUI_PROBE], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    modules = set(out.stdout.split())
    loaded = {m.split(".")[0] for m in modules}
    assert loaded.isdisjoint({"sqlalchemy", "alembic", "reportlab", "argon2", "icalendar"})
    # nor the screens' helpers, nor the policy presets (only the first-run dialog lists them)
    assert modules.isdisjoint({"ui.a11y", "hvdesk.policy", "hvdesk.keystore"}), modules


def test_sign_in_pressed_before_the_database_is_open_waits_for_it(qtbot, demo_db, clock):
    from ui.login import LoginDialog
    from ui.services import AppServices

    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    assert "Opening the database" in dialog.school.text()
    dialog.username.setText("office")
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    assert dialog.actor is None and "Opening the database" in dialog.banner.text()
    dialog.set_services(AppServices.build(demo_db, clock))
    assert dialog.actor is not None and dialog.actor.name == "Sam Office"
    assert "Database: local" in dialog.school.text()


@pytest.mark.ui
def test_a_database_that_cannot_open_is_one_message_and_exit_2(qtbot, tmp_path, monkeypatch):
    """The database now opens on the worker behind the dialog: its failure is still one message."""
    import argparse

    from PySide6.QtWidgets import QMessageBox

    from hvdesk.clock import SystemClock
    from ui import app as gui

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text: shown.append(text))
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("not a database " * 100)
    services, actor, code = gui.sign_in(argparse.Namespace(db=str(not_a_db)), SystemClock())
    assert (services, actor, code) == (None, None, 2)
    assert len(shown) == 1 and "not an hvdesk database" in shown[0]


@pytest.mark.ui
def test_an_empty_database_goes_to_first_run(qtbot, tmp_path, monkeypatch):
    import argparse

    from PySide6.QtWidgets import QMessageBox

    from hvdesk.clock import SystemClock
    from ui import app as gui
    from ui.login import FirstRunDialog

    seen, warned = [], []
    monkeypatch.setattr(FirstRunDialog, "exec", lambda self: seen.append(self) or 0)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    args = argparse.Namespace(db=str(tmp_path / "new.sqlite3"))
    services, actor, code = gui.sign_in(args, SystemClock())
    assert warned and "temporary folder" in warned[0]  # main's first-run data-folder warning
    assert len(seen) == 1 and actor is None and code == 0
    services.db.dispose()


START_PROBE = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
import ui.app
ui.app.OPEN_AT_LATEST_MS = 60_000  # the database opens on the dialog's paint, never before
seen = {}

def settled():
    seen["after"] = sorted(sys.modules)
    print(json.dumps(seen), flush=True)
    os._exit(0)

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and obj.isWindow():
            if "painted" not in seen:
                seen["painted"] = sorted(sys.modules)
                QTimer.singleShot(0, settled)  # the turn after the dialog's own paintEvent
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
from hvdesk.cli import main
main(["--db", sys.argv[1]], open_window=ui.app.run_gui)
os._exit(4)
"""


def _real_start(tmp_path: Path) -> tuple[set[str], set[str]]:
    """run_gui as main.py calls it: the modules loaded when the sign-in dialog is painted, and
    the turn after."""
    env = {
        **os.environ,
        "HVDESK_DATA_DIR": str(tmp_path / "data"),
        "TMPDIR": str(tmp_path),  # the single-copy lock file: this test's own
    }
    seen = probed(START_PROBE, str(tmp_path / "school.sqlite3"), env=env)
    return set(seen["painted"]), set(seen["after"])


@pytest.mark.slow
@pytest.mark.ui
def test_the_real_start_paints_the_sign_in_before_logging_networking_or_the_database(
    tmp_path,
):
    """run_gui as main.py calls it: the single-copy lock is taken first, but the log file
    (platformdirs), the listening for later copies (QtNetwork) and the database wait until the
    sign-in dialog is painted; they then start at once."""
    painted, after = _real_start(tmp_path)
    waited = {"PySide6.QtNetwork", "platformdirs", "hvdesk.config", "logging.handlers"}
    assert waited.isdisjoint(painted), waited & painted
    assert {m.split(".")[0] for m in painted}.isdisjoint(set(HEAVY) - {"PySide6"})
    assert waited <= after  # settled at the paint: the log is written, later copies answered
    assert (tmp_path / "data" / "logs" / "hvdesk.log").read_text().count("hvdesk starting") == 1


@pytest.mark.slow
@pytest.mark.ui
def test_the_real_start_paints_the_sign_in_before_time_zones_date_boxes_and_platform_calls(
    tmp_path,
):
    """None of these is needed to draw the dialog: Europe/London (zoneinfo reads the build's
    sysconfig) loads at the first London time, the form helpers' date boxes with the first form,
    the platform's calls and storage classes with their first use."""
    painted, _after = _real_start(tmp_path)
    later = {"zoneinfo", "sysconfig", "ui.forms", "hvdesk.platform.base", "hvdesk.storage_location"}
    assert later.isdisjoint(painted), later & painted


WARM_UP_PROBE = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
import ui.app
ui.app.preload_main_window()
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.slow
def test_the_main_window_s_warm_up_imports_no_pdf_or_calendar_file_library():
    """What the sign-in imports for the window while the password is typed (and what Enter
    waits for when typing was quick): not ReportLab (the first print makes its service, the
    visit menu's rule imports it) nor icalendar (the first .ics export), nor the calendar's
    cancel and export dialogs (their first use)."""
    modules = set(probed(WARM_UP_PROBE))
    assert "ui.print_actions" in modules and "ui.calendar.controller" in modules  # imported
    assert {m.split(".")[0] for m in modules}.isdisjoint({"reportlab", "icalendar"})
    assert modules.isdisjoint({"hvdesk.printing", "hvdesk.services.printing"})
    assert modules.isdisjoint({"ui.cancel_dialog", "ui.calendar.export_dialog"})


AFTER_PAINT_PROBE = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
import ui.app
ui.app.preload_main_window()
from hvdesk.models import Visit, VisitStatus
from ui.print_actions import VISIT_FORMS, visit_form_applies
visit = Visit(id=1, status=VisitStatus.APPROVED.value)
offered = [form for form, _label in VISIT_FORMS if visit_form_applies(form, visit)]
menu = sorted(sys.modules)
from ui.features import later_steps
installers = [install for step in later_steps() for install in step]
print(json.dumps({"menu": menu, "later": sorted(sys.modules), "offered": offered}))
"""


@pytest.mark.slow
def test_a_visit_menu_and_the_screens_installed_after_the_first_paint_import_no_reportlab():
    """Both run on the GUI thread just after the window's first paint: ReportLab (~0.1 s CPU)
    loads with the first print, on the print worker, not with them."""
    seen = probed(AFTER_PAINT_PROBE)
    assert "appointment-letter" in seen["offered"] and "sorry-slip" in seen["offered"]
    assert "safety-cancellation" not in seen["offered"]  # the rule itself still applies
    for when in ("menu", "later"):
        modules = set(seen[when])
        assert "reportlab" not in {m.split(".")[0] for m in modules}, when
        assert "hvdesk.printing" not in modules, when
    assert "ui.reports" in seen["later"]


ZONE_MISSING = (
    "cannot find the Europe/London time-zone data (tzdata): reinstall hvdesk (your data is not "
    "affected; `hvdesk backup --out FILE` still works)"
)


def _no_london_zone() -> None:
    from zoneinfo import ZoneInfoNotFoundError

    raise ZoneInfoNotFoundError("No time zone found with key Europe/London")


@pytest.mark.ui
def test_no_time_zone_data_is_one_message_before_the_password_and_exit_2(
    qtbot, demo_db, monkeypatch
):
    """Without tzdata every time hvdesk shows fails: said when the database opens, naming the
    fix, before anyone types a password (not 'Something went wrong ... monitoring carries on')."""
    import argparse

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    import hvdesk.clock
    from hvdesk.clock import SystemClock
    from ui import app as gui
    from ui.login import LoginDialog

    shown, given = [], []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text: shown.append(text))
    monkeypatch.setattr(LoginDialog, "set_services", lambda self, services: given.append(services))
    monkeypatch.setattr(hvdesk.clock, "london_zone", _no_london_zone)
    args = argparse.Namespace(db=str(demo_db.path))

    def give_up() -> None:  # still asking for a password: closed, so that the test fails
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, LoginDialog) and widget.isVisible():
                widget.reject()

    QTimer.singleShot(15_000, give_up)
    services, actor, code = gui.sign_in(args, SystemClock())
    if services is not None:
        services.db.dispose()
    assert (services, actor, code) == (None, None, 2)
    assert given == []  # the dialog never had a database to check a password against
    assert len(shown) == 1 and shown[0].startswith(ZONE_MISSING), shown


def _without_london_zone(tmp_path, args, **env: str) -> subprocess.CompletedProcess[str]:
    """`hvdesk ARGS` with the tzdata package absent and no system zones."""
    code = (
        "import sys\n"
        "sys.modules['tzdata'] = None\n"  # the tzdata package absent
        "from hvdesk.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONTZPATH": str(tmp_path),  # no system zones either
            "HVDESK_DATA_DIR": str(tmp_path),
            **env,
        },
        timeout=60,
    )


@pytest.mark.slow
@pytest.mark.parametrize("args", [("settings", "list"), ("notify", "outbox")])
def test_no_time_zone_data_is_one_line_from_a_command(tmp_path, args):
    out = _without_london_zone(tmp_path, ["--db", str(tmp_path / "school.sqlite3"), *args])
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == f"hvdesk: {ZONE_MISSING}", out.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("migrate",),
        ("audit", "verify"),
        ("backup", "--out", "b.sqlite3"),
        ("key", "show", "--user", "admin"),
        ("key", "sheet", "--user", "admin", "--out", "sheet.pdf"),
    ],
)
def test_the_repair_commands_run_without_time_zone_data(demo_file, tmp_path, args):
    """A technician told to reinstall hvdesk can first take a backup, check the audit trail and
    print the key's recovery sheet (its "Printed" time in UTC)."""
    out = _without_london_zone(
        tmp_path, [*args, "--db", str(demo_file)], HVDESK_PASSWORD="hvdesk-demo"
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    if args[0] == "backup":
        assert (tmp_path / "b.sqlite3").stat().st_size > 0
    if args[-1] == "sheet.pdf":
        from pypdf import PdfReader

        page = PdfReader(tmp_path / "sheet.pdf").pages[0].extract_text()
        assert " UTC" in page and "Printed" in page


CANCEL_PROBE = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
import ui.app
ui.app.preload_main_window()
from ui.cancel_dialog import safety_note_printer
assert safety_note_printer(None, None) is not None
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.slow
def test_the_first_cancel_dialog_imports_no_reportlab():
    """The calendar makes the cancel dialog (and its safety-note printer) on the GUI thread at
    the first cancel: the note's PrintService is made at its print, on the print worker."""
    modules = set(probed(CANCEL_PROBE))
    assert "ui.cancel_dialog" in modules
    assert "reportlab" not in {m.split(".")[0] for m in modules}
    assert modules.isdisjoint({"hvdesk.printing", "hvdesk.services.printing"})
