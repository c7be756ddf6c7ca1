"""Headless subcommands. Each module has add_parser(subparsers) and sets args.run."""

from hvdesk.commands import admin, attendance, demo, printing

COMMANDS = [demo, admin, printing, attendance]
