"""Reading a text from staff in the field: the command, the PIN, minutes late, an alarm's code.

Staff text the school's hvdesk number from a phone in a hurry, often one-handed and sometimes with
someone beside them. So the parser forgives what people really type: any case, extra spaces and
punctuation ('O.K.', 'ok4821', 'late20', 'LATE 20 MINS 4821'), common slips ('arived', 'bak'), and
a few everyday phrases ('checking in', 'on site', 'back at school'). It never guesses a STOP or a
START: those are the gateway's opt-out keywords and are honoured only when written as such.

Duress is not a command: a staff member's safe word, or the school's duress word, anywhere in a text
(a whole word or phrase, any case) means help now, PIN or not. `mentions` finds it.

Pure functions of the text only: who sent it and what it may do are decided elsewhere
(hvdesk.rules.text_actions).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

PIN_LENGTH = 4
MAX_LATE_MIN = 12 * 60


class Command(StrEnum):
    OK = "ok"  # check in: all is well
    ARRIVED = "arrived"  # at the address, before going in
    LEFT = "left"  # left the property
    BACK = "back"  # returned to school
    LATE = "late"  # running late n minutes
    TAKE = "take"  # an escalation contact takes an alarm by its code
    STOP = "stop"  # opt out of texts (gateway keyword)
    START = "start"  # opt back in (gateway keyword)
    HELP = "help"  # anything else: a short help reply


# Commands that change a visit, so need the sender's PIN.
VISIT_COMMANDS = frozenset({Command.OK, Command.ARRIVED, Command.LEFT, Command.BACK, Command.LATE})

# The gateway's opt-out and opt-in keywords (the widely used providers' standard lists).
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "subscribe"})

# One-word forms, typos included, for each command. Longer slips are caught by fuzzy matching.
WORDS: dict[str, Command] = {
    **dict.fromkeys(
        ("ok", "okay", "okey", "oky", "okk", "k", "kk", "0k", "fine", "safe", "checkin"),
        Command.OK,
    ),
    **dict.fromkeys(
        ("arrived", "arived", "arrivd", "arrive", "arrvied", "arrvd", "arr", "here", "onsite"),
        Command.ARRIVED,
    ),
    **dict.fromkeys(("left", "lft", "leftt", "leaving", "leavin"), Command.LEFT),
    **dict.fromkeys(("back", "bak", "bck", "bac", "backk", "returned", "retuned"), Command.BACK),
    **dict.fromkeys(("late", "lte", "laet", "lat", "latee", "delayed"), Command.LATE),
    **dict.fromkeys(("take", "tak", "taek", "takee", "taking"), Command.TAKE),
    **dict.fromkeys(("help", "info", "hlp", "?"), Command.HELP),
}
# Words people put before the command that carry no meaning of their own.
FILLER = frozenset(
    {"hi", "hello", "im", "i", "am", "all", "just", "now", "running", "checking", "checked"}
    | {"check", "in", "on", "site", "at", "school", "the", "property", "a", "bit", "we", "are"}
    | {"were", "have", "been", "is", "its", "it", "and", "me", "got", "get"}
)
# Phrases of filler alone that still mean a command ('checking in', 'on site', 'back at school').
PHRASES: dict[tuple[str, ...], Command] = {
    ("check", "in"): Command.OK,
    ("checking", "in"): Command.OK,
    ("checked", "in"): Command.OK,
    ("on", "site"): Command.ARRIVED,
    ("at", "the", "property"): Command.ARRIVED,
    ("at", "school"): Command.BACK,
}
MINUTE_WORDS = frozenset({"m", "min", "mins", "minute", "minutes", "mns", "minits"})
HOUR_WORDS = frozenset({"h", "hr", "hrs", "hour", "hours"})
FUZZY_CUTOFF = 0.8

# '0k' (a zero for the O) stays one word; otherwise letters and digits part ('ok4821').
_TOKEN = re.compile(r"0k(?![a-z])|[a-z]+|\d+|\?")
# A clock time in a text ('10:15', '10.15', '9.30am') is when, never a PIN or minutes.
_TIME = re.compile(r"(?<![\d:.])\d{1,2}[:.]\d{2}(?:\s*[ap]m)?(?![\d:.])", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedText:
    """What a text asks for. `problem` says why it cannot be done as written (help is sent)."""

    command: Command
    pin: str | None = None  # the digits given as a PIN, as typed (any length; checked later)
    minutes: int | None = None  # LATE n
    code: str | None = None  # TAKE <alarm code>
    words: tuple[str, ...] = ()  # other words: a family name to choose between two visits
    problem: str = ""

    @property
    def needs_pin(self) -> bool:
        return self.command in VISIT_COMMANDS


def words_of(text: str) -> list[str]:
    """Lower-case words and numbers; 'O.K.' is 'ok', 'ok4821' is 'ok 4821', 'late20' 'late 20';
    a time ('10:15') is left out."""
    flat = _TIME.sub(" ", text or "").lower()
    flat = flat.replace(".", "").replace("'", "").replace("’", "")
    return _TOKEN.findall(flat)


def _command_of(word: str) -> Command | None:
    if word in WORDS:
        return WORDS[word]
    for i in range(len(word) - 1):  # two letters swapped: 'bakc', 'lfet'
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if len(word) >= 4 and swapped in WORDS:
            return WORDS[swapped]
    if len(word) >= 4:
        close = difflib.get_close_matches(word, [w for w in WORDS if len(w) >= 4], 1, FUZZY_CUTOFF)
        if close:
            return WORDS[close[0]]
    return None


def _find_command(words: list[str]) -> tuple[Command | None, int]:
    """The command and the index of its word: the first word that is one, after any filler."""
    for i, word in enumerate(words):
        if word.isdigit():
            continue
        command = _command_of(word)
        if command is not None:
            return command, i
        if word not in FILLER:
            return None, i
    letters = tuple(w for w in words if not w.isdigit())
    for phrase, command in PHRASES.items():
        if letters[: len(phrase)] == phrase:
            return command, -1
    return None, -1


def _late_minutes(words: list[str], at: int) -> tuple[int | None, int | None]:
    """Minutes after LATE ('20', '20 mins', '1 hour', '1h'), and the index of the number used."""
    for i in range(at + 1, len(words)):
        word = words[i]
        if not word.isdigit():
            continue
        if len(word) == PIN_LENGTH and not (i + 1 < len(words) and words[i + 1] in MINUTE_WORDS):
            continue  # a PIN, not minutes
        unit = words[i + 1] if i + 1 < len(words) else ""
        return (int(word) * 60 if unit in HOUR_WORDS else int(word)), i
    return None, None


def _pin_of(numbers: list[str]) -> str | None:
    """The PIN (or alarm code) among the numbers: the 4-digit one; '48 21' typed with a space
    is 4821; otherwise the first number, checked (and refused) later."""
    four = [n for n in numbers if len(n) == PIN_LENGTH]
    if four:
        return four[0]
    if len(numbers) > 1 and len("".join(numbers)) == PIN_LENGTH:
        return "".join(numbers)
    return numbers[0] if numbers else None


def parse(text: str) -> ParsedText:
    """The command in a text, with its PIN, minutes or code. Unknown text asks for help."""
    words = words_of(text)
    if not words:
        return ParsedText(Command.HELP, problem="The text was empty.")
    if len(words) == 1 and words[0] in STOP_WORDS:
        return ParsedText(Command.STOP)
    if len(words) == 1 and words[0] in START_WORDS:
        return ParsedText(Command.START)
    command, at = _find_command(words)
    if command is None or command is Command.HELP:
        return ParsedText(Command.HELP, problem="" if command else "Not a command hvdesk knows.")
    used: set[int] = {at} if at >= 0 else set()
    minutes = None
    if command is Command.LATE:
        minutes, index = _late_minutes(words, at)
        if index is not None:
            used.add(index)
            if index + 1 < len(words) and words[index + 1] in MINUTE_WORDS | HOUR_WORDS:
                used.add(index + 1)
    numbers = [w for i, w in enumerate(words) if w.isdigit() and i not in used]
    number = _pin_of(numbers)
    rest = tuple(
        w
        for i, w in enumerate(words)
        if i not in used and not w.isdigit() and w not in FILLER | MINUTE_WORDS | HOUR_WORDS
    )
    if command is Command.TAKE:
        if number is None:
            return ParsedText(command, problem="TAKE needs the alarm's code, e.g. TAKE 4821.")
        return ParsedText(command, code=number, words=rest)
    problem = ""
    if command is Command.LATE:
        if minutes is None:
            problem = "LATE needs how many minutes, e.g. LATE 20 and your PIN."
        elif not 1 <= minutes <= MAX_LATE_MIN:
            problem = f"LATE takes 1 to {MAX_LATE_MIN} minutes, e.g. LATE 20 and your PIN."
            minutes = None
    return ParsedText(command, pin=number, minutes=minutes, words=rest, problem=problem)


MIN_SECRET_LETTERS = 3


def secret_word_problem(phrase: str) -> str:
    """Why a safe word or duress word would fire on ordinary texts; "" when it will not.

    It raises duress wherever it appears as whole words, so a command ('back'), a word people put
    around commands ('the', 'at school') or a number (a PIN, minutes, a time) would turn every
    ordinary check-in into a duress alarm."""
    words = _phrase(phrase)
    if not words:
        return ""
    if all(w.isdigit() for w in words):
        return "must be a word, not digits: a PIN, minutes or a time would raise duress"
    everyday = STOP_WORDS | START_WORDS | FILLER | MINUTE_WORDS | HOUR_WORDS | set(WORDS)
    if all(w in everyday or w.isdigit() for w in words):
        return (
            f"'{' '.join(words)}' is in texts staff send every day, so each one would raise "
            "duress; choose a word that would not come up by accident (e.g. 'bluebell')"
        )
    if len("".join(w for w in words if not w.isdigit())) < MIN_SECRET_LETTERS:
        return f"is too short: use at least {MIN_SECRET_LETTERS} letters"
    return ""


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", (text or "").lower().replace("'", "").replace("’", "")))


def mentions(text: str, phrases: Iterable[str]) -> bool:
    """True when any phrase (a safe word, a duress word) is in the text as whole words, any case.

    'Bluebell' is found in 'can you ring me about the bluebell order' but not in 'bluebells'.
    """
    words = _phrase(text)
    for phrase in phrases:
        wanted = _phrase(phrase)
        n = len(wanted)
        if n and any(words[i : i + n] == wanted for i in range(len(words) - n + 1)):
            return True
    return False


_SPLIT_PIN = re.compile(r"(?<![\d:.])(\d{1,3})[ -](\d{1,3})(?![\d:.])")  # '48 21'


def redact(text: str, phrases: Iterable[str]) -> str:
    """The text as it may be stored and shown: PINs and safe or duress words hidden."""
    shown = re.sub(r"(?<!\d)\d{4}(?!\d)", "••••", text or "")
    shown = _SPLIT_PIN.sub(lambda m: "••••" if len(m[1] + m[2]) == PIN_LENGTH else m[0], shown)
    for phrase in phrases:
        words = _phrase(phrase)
        if not words:
            continue
        pattern = r"(?<![A-Za-z0-9])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![A-Za-z0-9])"
        shown = re.sub(pattern, "[safe word]", shown, flags=re.IGNORECASE)
    return shown
