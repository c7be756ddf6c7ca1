"""Command line: subcommands work headless (no display needed); with no command the caller's
`open_window` runs (main.py and the `hvdesk` script pass the Qt app's; the core never imports it)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from hvdesk import __version__
from hvdesk.commands import COMMANDS
from hvdesk.commands.parsers import CommandParser, LazySubParsers
from hvdesk.errors import HvdeskError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hvdesk",
        description="hvdesk keeps school staff safe on home visits. With no command it opens the app.",
        epilog="Database: --db beats HVDESK_DATABASE_URL beats the machine's hvdesk.ini (or Group "
        "Policy) beats hvdesk.sqlite3 in the data folder.",
    )
    parser.add_argument("--version", action="version", version=f"hvdesk {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database file path or SQLAlchemy URL (e.g. postgresql+psycopg://user@host/hvdesk)",
    )
    parser.add_argument(
        "--single-seat",
        action="store_true",
        help="open a SQLite file on a share or synced folder that only this PC uses "
        "(rollback journal, exclusive lock); several PCs need PostgreSQL",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=CommandParser, action=LazySubParsers
    )
    assert isinstance(sub, LazySubParsers)
    for name, (module, text) in COMMANDS.items():
        sub.declare(name, module, text)  # its parser is built when the command is named
    return parser


OpenWindow = Callable[[argparse.Namespace], int]


def _is_database_failure(err: BaseException) -> bool:
    """A driver error (SQLAlchemy's DBAPIError). SQLAlchemy is not imported to ask: a command that
    never loaded it cannot have raised one (--version and --help stay fast)."""
    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(err, exc.DBAPIError)


def _hvdesk_error_inside(err: BaseException) -> HvdeskError | None:
    """hvdesk's own message raised inside SQLAlchemy (a column's type with no key to encrypt a
    safe word with) reaches here wrapped in a StatementError: shown as the message it is."""
    orig = getattr(err, "orig", None)
    return orig if isinstance(orig, HvdeskError) else None


def _reader_gone() -> int:
    """`hvdesk notify outbox | head`: the reader stopped reading, which is not an error worth a
    traceback. Whatever is still buffered for stdout goes to the null device, so the flush at exit
    does not raise again; the exit status is the shell's for a broken pipe (128 + SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a file (a test's capture): nothing will be flushed to a pipe
    return 141


def main(argv: Sequence[str] | None = None, open_window: OpenWindow | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(f"hvdesk {__version__}")  # what argparse prints, without building any parser
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            if open_window is None:
                print("hvdesk: no window here; give a command (see --help)", file=sys.stderr)
                return 2
            return open_window(args)
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # a closed pipe is found here, not in a flush after main returns
        return code
    except HvdeskError as err:
        print(f"hvdesk: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _reader_gone()
    except Exception as err:
        said = _hvdesk_error_inside(err)
        if said is not None:
            print(f"hvdesk: {said}", file=sys.stderr)
            return 2
        if not _is_database_failure(err):
            raise
        # the database failed part-way (locked, server gone): no traceback
        reason = (
            str(getattr(err, "orig", None) or err).strip().splitlines() or [type(err).__name__]
        )[0]
        print(
            f"hvdesk: the database failed ({reason}); nothing more was done. Try again, or check "
            "the --db option and the database server.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
