"""Command-line parsers built only when needed: `hvdesk --help` lists every command without
building its parser, and `hvdesk demo ...` builds the demo command's parser alone.

A command's parser is built by its module's add_parser(subparsers) the moment its name is parsed;
the list in `hvdesk --help` comes from hvdesk.commands.COMMANDS (name, module, one-line help).
This module imports only argparse and importlib: it is on the path of `hvdesk --version`.
"""

from __future__ import annotations

import argparse
import importlib

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs `--help` 3 ms
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser whose epilog may be written only when its help is asked for."""

    def __init__(
        self, *args: Any, epilog_from: Callable[[], str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.epilog_from = epilog_from

    def format_help(self) -> str:
        if self.epilog_from is not None:
            self.epilog = self.epilog_from()
        return super().format_help()


class _Declared(dict[str, "argparse.ArgumentParser | None"]):
    """name -> parser, None until the command's module has built it (on first look-up)."""

    def __init__(self, build: Callable[[str], None]) -> None:
        super().__init__()
        self._build = build

    def __getitem__(self, name: str) -> argparse.ArgumentParser | None:
        if super().__getitem__(name) is None:
            self._build(name)
        return super().__getitem__(name)

    def waiting(self, name: str) -> bool:
        """Declared, and its parser not built yet."""
        return name in self and super().__getitem__(name) is None


if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time
    _SubParsers = argparse._SubParsersAction


class LazySubParsers(_SubParsers):
    """The COMMAND argument: every command is listed at once, each built when it is named.

    `declare` lists a command (in help, usage errors and `invalid choice` messages, in the order
    declared); its module's add_parser(self) then builds it, through add_parser below, when argparse
    looks its name up. A module that adds several commands builds them all at once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._modules: dict[str, str] = {}
        self._declared = _Declared(self._build)
        self._name_parser_map = self.choices = self._declared  # type: ignore[assignment]

    def declare(self, name: str, module: str, help: str) -> None:
        self._modules[name] = module
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), help))
        self._declared[name] = None

    def _build(self, name: str) -> None:
        importlib.import_module(self._modules[name]).add_parser(self)

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """A declared command's parser replaces its place-holder; its help was listed already."""
        if not self._declared.waiting(name):
            built: argparse.ArgumentParser = super().add_parser(name, **kwargs)
            return built
        kwargs.pop("help", None)
        kwargs.setdefault("prog", f"{self._prog_prefix} {name}")
        parser: argparse.ArgumentParser = self._parser_class(**kwargs)
        self._declared[name] = parser
        return parser
