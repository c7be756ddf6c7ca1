"""Errors the UI and CLI show to people: each names the field and the fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class HvdeskError(Exception):
    """Base for errors that are the user's to fix (never a crash)."""


class FieldError(HvdeskError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ValidationError(HvdeskError):
    """One or more fields are wrong; nothing was saved."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    def for_field(self, field: str) -> str | None:
        for err in self.errors:
            if err.field == field:
                return err.message
        return None


class NotFound(HvdeskError):
    pass


class NotAllowed(HvdeskError):
    """The user's role does not permit this action."""


class StateError(HvdeskError):
    """The action does not fit the visit's current state (e.g. departing an unapproved visit)."""


class SchemaTooNew(HvdeskError):
    """The database was written by a newer hvdesk; nothing was touched."""


class Collector:
    """Gathers FieldErrors so a form reports every problem at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def check(self, field: str, fn: Callable[[Any, str], Any], value: Any) -> Any:
        """Run a validator; keep its cleaned value, or record its FieldError and return None."""
        try:
            return fn(value, field)
        except FieldError as err:
            self.errors.append(err)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
