"""Headless subcommands. Each module has add_parser(subparsers) and sets args.run."""

from hvdesk.commands import admin, demo, printing, trust

COMMANDS = [demo, admin, printing, trust]
