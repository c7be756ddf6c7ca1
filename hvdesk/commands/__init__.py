"""Headless subcommands: each one's name, the module that builds its parser, and its one-line help.

`hvdesk --help` lists them from this table alone; a command's module (add_parser(subparsers), which
also sets args.run) is imported only when that command is named (hvdesk.commands.parsers).
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("hvdesk.commands.demo", "load the demo school into an empty database"),
    "migrate": ("hvdesk.commands.admin", "create or upgrade the database schema, then exit"),
    "create-user": (
        "hvdesk.commands.admin",
        "add a user account (the first one needs no sign-in)",
    ),
    "print": ("hvdesk.commands.printing", "make a printed form or letter as a PDF file"),
    "monitor": (
        "hvdesk.commands.notify",
        "run the headless monitor: alarms, escalation, messages",
    ),
    "settings": (
        "hvdesk.commands.notify",
        "list, read or change a setting (policy and channels)",
    ),
    "notify": ("hvdesk.commands.notify", "send a test message, or list the outbox"),
    "texts": (
        "hvdesk.commands.texts",
        "texts in from staff in the field: list, poll, set a PIN",
    ),
    "audit": ("hvdesk.commands.trust", "check the audit trail's hash chain"),
    "key": (
        "hvdesk.commands.trust",
        "show, rotate or import the key, or print the recovery sheet (admin)",
    ),
    "encrypt": ("hvdesk.commands.trust", "encrypt a plain SQLite database in place (safely)"),
    "backup": ("hvdesk.commands.trust", "write an encrypted backup of the SQLite database"),
    "restore": (
        "hvdesk.commands.trust",
        "replace the database with a backup (the old one is kept)",
    ),
    "attendance": (
        "hvdesk.commands.attendance",
        "import attendance marks; list suggested visits",
    ),
}
