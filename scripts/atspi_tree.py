"""What Orca reads: the demo school's window and alarm windows through the real AT-SPI bus.

    dbus-run-session -- xvfb-run -a .venv/bin/python scripts/atspi_tree.py [SCREEN] > tree.txt

SCREEN opens one more thing over Today first: 'booking' (New visit), 'calendar' (the Calendar
screen, day view, a visit selected).

Qt's own accessibility tree (tests/ui/a11y_audit.py) is what hvdesk gives; this is what a Linux
screen reader receives after Qt's AT-SPI bridge: the app runs on a real X server (Xvfb) with
accessibility on, the AT-SPI bus is started in a private D-Bus session, and every object that is
showing is printed as `[role] 'name'` with its description, text and value, indented by depth.
Needs at-spi2-core, dbus and Xvfb (scripts/setup.sh --dev); talks to no network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
ACCESSIBLE = "org.a11y.atspi.Accessible"
TEXT = "org.a11y.atspi.Text"
VALUE = "org.a11y.atspi.Value"
ROLE_ALERT, ROLE_DIALOG = 2, 16  # AtspiRole numbers: what Orca decides by
SHOWING = 1 << 25  # ATSPI_STATE_SHOWING in the first word of the state set


class Bus:
    """The accessibility bus, asked with plain D-Bus calls (jeepney: already a keyring dependency)."""

    def __init__(self) -> None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        session = open_dbus_connection(bus="SESSION")
        a11y = DBusAddress("/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus")
        address = session.send_and_get_reply(new_method_call(a11y, "GetAddress")).body[0]
        self.conn = open_dbus_connection(address)

    def call(
        self,
        obj: tuple[str, str],
        method: str,
        iface: str = ACCESSIBLE,
        sig: str | None = None,
        args: tuple[Any, ...] = (),
    ) -> Any:
        from jeepney import DBusAddress, new_method_call

        where = DBusAddress(obj[1], bus_name=obj[0], interface=iface)
        return self.conn.send_and_get_reply(
            new_method_call(where, method, sig, args), timeout=5
        ).body

    def prop(self, obj: tuple[str, str], name: str, iface: str = ACCESSIBLE) -> Any:
        from jeepney import DBusAddress, Properties

        where = DBusAddress(obj[1], bus_name=obj[0], interface=iface)
        return self.conn.send_and_get_reply(Properties(where).get(name), timeout=5).body[0][1]


def describe(bus: Bus, obj: tuple[str, str]) -> tuple[str, list[tuple[str, str]], bool]:
    """One object as a line (role, name, description, text, value), its children, and whether
    it is showing."""
    role, number = bus.call(obj, "GetRoleName")[0], bus.call(obj, "GetRole")[0]
    line = f"[{role} #{number}] {bus.prop(obj, 'Name')!r}"
    description = bus.prop(obj, "Description")
    if description:
        line += f" desc={description[:70]!r}"
    interfaces = bus.call(obj, "GetInterfaces")[0]
    if TEXT in interfaces:
        count = bus.prop(obj, "CharacterCount", TEXT)
        text = bus.call(obj, "GetText", TEXT, "ii", (0, count))[0]
        if text and text != bus.prop(obj, "Name"):
            line += f" text={text[:80]!r}"
    if VALUE in interfaces:
        line += f" value={bus.prop(obj, 'CurrentValue', VALUE)}"
    showing = bool(bus.call(obj, "GetState")[0][0] & SHOWING)
    children = [tuple(c) for c in bus.call(obj, "GetChildren")[0]]
    return line, children, showing


def walk(bus: Bus, obj: tuple[str, str], depth: int = 0) -> list[str]:
    """Every showing object under `obj` (the applications under the desktop are always listed)."""
    try:
        line, children, showing = describe(bus, obj)
    except Exception as err:  # an object that went away while we read it
        return ["  " * depth + f"!! {err}"]
    if depth > 1 and not showing:
        return []
    lines = ["  " * depth + line]
    for child in children:
        lines += walk(bus, child, depth + 1)  # type: ignore[arg-type]
    return lines


# What each SCREEN does to the demo window `w` once it is up (run inside the app).
SCREENS = {
    "today": "",
    "booking": (  # New visit, with its lead chosen
        "[a for a in w.toolbar.actions() if a.text() == 'New visit'][0].trigger()\n"
        "from PySide6.QtCore import Qt\n"
        "d = [x for x in app.topLevelWidgets() if x.windowTitle() == 'New visit'][0]\n"
        "d.lead.setCurrentIndex(d.lead.findText('Jasmin Patel', Qt.MatchFlag.MatchStartsWith))\n"
    ),
    "calendar": (  # today's visits in the day view, the first selected, the list in focus
        "w.show_panel('Calendar')\n"
        "from ui.calendar.feature import CalendarFeature\n"
        "from ui.calendar.model import Mode\n"
        "cal = w.feature(CalendarFeature).panel\n"
        "cal.set_mode(Mode.DAY)\n"
        "from PySide6.QtCore import QCoreApplication\n"  # the day is read on the window's reader
        "cal.reads.worker.wait(); QCoreApplication.sendPostedEvents()\n"
        "cal.grid.select(cal.view.ordered_ids()[0])\n"
        "cal.agenda.setFocus()\n"
    ),
}


def run_app(seconds: int, screen: str = "today") -> subprocess.Popen[bytes]:
    """The demo school's window (with its alarm windows) on the X server, accessibility on."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
        "QT_ACCESSIBILITY": "1",
        "HVDESK_NO_SOUND": "1",
    }
    code = (
        "import sys, tempfile; from pathlib import Path; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from PySide6.QtCore import QTimer; from ui.app import create_application\n"
        "import screenshots; app = create_application([])\n"
        "w = screenshots._window(Path(tempfile.mkdtemp()), demo=True)\n"
        + SCREENS[screen]
        + "print('ready', flush=True); QTimer.singleShot(int(sys.argv[3]) * 1000, app.quit); app.exec()\n"
    )
    args = [sys.executable, "-c", code, str(ROOT), str(ROOT / "scripts"), str(seconds)]
    return subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )


def _bus_when_ready(deadline: float) -> Bus:
    """The accessibility bus, once its launcher has registered on the session bus."""
    while True:
        try:
            return Bus()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def tree_when_ready(bus: Bus, deadline: float) -> list[str]:
    """The tree, read again until the application and an alarm window are on the bus."""
    root = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
    while True:
        lines = walk(bus, root)
        if any(f" #{ROLE_ALERT}]" in line or f" #{ROLE_DIALOG}]" in line for line in lines):
            time.sleep(1)  # the last windows' children register just after their window
            return walk(bus, root)
        if time.monotonic() > deadline:
            return lines
        time.sleep(0.5)


def main() -> int:
    screen = sys.argv[1] if len(sys.argv) > 1 else "today"
    if screen not in SCREENS:
        print(f"SCREEN is one of {', '.join(SCREENS)}", file=sys.stderr)
        return 2
    launcher = subprocess.Popen([LAUNCHER, "--launch-immediately"], stderr=subprocess.DEVNULL)
    app = None
    try:
        deadline = time.monotonic() + 60
        bus = _bus_when_ready(deadline)
        app = run_app(90, screen)
        assert app.stdout is not None
        app.stdout.readline()  # 'ready': the window and its alarm windows are built
        print("\n".join(tree_when_ready(bus, deadline)))
    finally:
        if app is not None:
            app.terminate()
            app.wait(10)
        launcher.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
