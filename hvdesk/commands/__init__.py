"""Headless subcommands. Each module has add_parser(subparsers) and sets args.run."""

from hvdesk.commands import admin, attendance, demo, notify, printing, texts, trust

COMMANDS = [demo, admin, printing, notify, texts, trust, attendance]
