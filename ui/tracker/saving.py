"""This seat's own tracker writes, off the GUI thread: one write worker, in the order pressed.

Why a worker of its own rather than the window's reader (`window.worker`): the reader runs other
seats' changes, the screens' lists and the reloads after a change, and on a slow or failing
database one of those reads can take seconds. A duress pressed meanwhile would queue behind it.
On its own worker (and its own pooled connection on PostgreSQL) a write never waits for a read.
One write worker rather than one thread per press: this seat's writes land in the order they were
pressed (a departure before its arrival, a step before the resolution). A duress goes ahead of
the writes still queued (a higher priority) but never interrupts the one already running: that
is one transaction, and it finishes or rolls back whole.

The write runs inside `attempt`, on the worker: a refusal or a database error comes back as an
`Outcome`, so the GUI thread says what happened without a traceback, and nothing is half-saved
(each service call is one transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from hvdesk.errors import HvdeskError
from ui.worker import Worker

log = logging.getLogger(__name__)

URGENT = 10  # a duress goes before the writes still queued


@dataclass(frozen=True)
class Outcome:
    """What one write came to: recorded (with the service's result), refused, or not answered."""

    result: object = None
    refused: str = ""  # the service said no, in words for the person (nothing recorded)
    error: str = ""  # the database did not answer, or something broke (nothing recorded)
    database: bool = False  # `error` is the database not answering (try again), not a fault
    locked: bool = False  # the database file is locked by another program (SQLite)
    failure: HvdeskError | None = None  # the refusal itself (a form marks the fields it names)

    @property
    def recorded(self) -> bool:
        return not self.refused and not self.error


def attempt(fn: Callable[[], object]) -> Outcome:
    """Run one write (on the worker thread) and say how it went."""
    try:
        return Outcome(result=fn())
    except HvdeskError as err:
        return Outcome(refused=str(err), failure=err)
    except SQLAlchemyError as err:
        locked = "database is locked" in str(err)
        return Outcome(error=type(err).__name__, database=True, locked=locked)


def save(
    worker: Worker,
    fn: Callable[[], object],
    done: Callable[[Outcome], None],
    *,
    urgent: bool = False,
    what: str,
) -> None:
    """Write on `worker`; `done(outcome)` runs on the GUI thread whatever happened. `what`
    (required): the write in words with its household where there is one ("check-in for the
    Begum family"), said if hvdesk is closed before it is recorded."""

    def broken(message: str) -> None:  # a fault, not a refusal: logged whole, said briefly
        log.error("A tracker write failed: %s", message)
        done(Outcome(error=message.splitlines()[0]))

    worker.submit(lambda: attempt(fn), done, broken, URGENT if urgent else 0, what=what)


def not_recorded(what: str, outcome: Outcome, *, kept: bool = False) -> str:
    """The sentence for a write that did not happen: what was not recorded and what to do."""
    typed = " What you typed is kept." if kept else ""
    if outcome.locked:
        return (
            f"The database file is locked by another program: the {what} was NOT recorded."
            f"{typed} Try again.\n\nClose any other program that has the hvdesk database file "
            f"open (a backup or copy tool, a database viewer). ({outcome.error})"
        )
    if outcome.database:
        return (
            f"The database is not answering: the {what} was NOT recorded.{typed} Try again.\n\n"
            f"Check the network or the database server. ({outcome.error})"
        )
    return (
        f"Something went wrong: the {what} was NOT recorded.{typed} Try again.\n\n({outcome.error})"
    )
