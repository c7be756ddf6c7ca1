"""The text parser: every command in every form staff really type, typos included, and duress words.

Table-driven: each row is a text as it arrives and what hvdesk must read from it.
"""

from __future__ import annotations

import pytest

from hvdesk.rules.texts import Command, mentions, parse, redact, secret_word_problem, words_of

C = Command

# text, command, pin, minutes, code
FORMS = [
    # check in
    ("OK 4821", C.OK, "4821", None, None),
    ("ok 4821", C.OK, "4821", None, None),
    ("  Ok    4821  ", C.OK, "4821", None, None),
    ("ok4821", C.OK, "4821", None, None),
    ("O.K. 4821", C.OK, "4821", None, None),
    ("o.k.4821", C.OK, "4821", None, None),
    ("okay 4821", C.OK, "4821", None, None),
    ("Okey 4821", C.OK, "4821", None, None),
    ("k 4821", C.OK, "4821", None, None),
    ("4821 ok", C.OK, "4821", None, None),
    ("all ok 4821", C.OK, "4821", None, None),
    ("I'm ok 4821", C.OK, "4821", None, None),
    ("checking in 4821", C.OK, "4821", None, None),
    ("Check in 4821", C.OK, "4821", None, None),
    ("checkin 4821", C.OK, "4821", None, None),
    ("OK", C.OK, None, None, None),
    ("OK 482", C.OK, "482", None, None),  # the wrong length is a wrong PIN, checked later
    ("ok, 4821.", C.OK, "4821", None, None),
    # arrived
    ("ARRIVED 4821", C.ARRIVED, "4821", None, None),
    ("arrived 4821", C.ARRIVED, "4821", None, None),
    ("arived 4821", C.ARRIVED, "4821", None, None),
    ("Arrvied 4821", C.ARRIVED, "4821", None, None),
    ("arrivd4821", C.ARRIVED, "4821", None, None),
    ("arrive 4821", C.ARRIVED, "4821", None, None),
    ("here 4821", C.ARRIVED, "4821", None, None),
    ("on site 4821", C.ARRIVED, "4821", None, None),
    ("just arrived 4821", C.ARRIVED, "4821", None, None),
    # left the property
    ("LEFT 4821", C.LEFT, "4821", None, None),
    ("left4821", C.LEFT, "4821", None, None),
    ("lft 4821", C.LEFT, "4821", None, None),
    ("leaving 4821", C.LEFT, "4821", None, None),
    ("Left property 4821", C.LEFT, "4821", None, None),
    # back at school
    ("BACK 4821", C.BACK, "4821", None, None),
    ("bak 4821", C.BACK, "4821", None, None),
    ("bck 4821", C.BACK, "4821", None, None),
    ("Back at school 4821", C.BACK, "4821", None, None),
    ("returned 4821", C.BACK, "4821", None, None),
    ("retuned 4821", C.BACK, "4821", None, None),
    ("bakc 4821", C.BACK, "4821", None, None),
    # running late
    ("LATE 20 4821", C.LATE, "4821", 20, None),
    ("late20 4821", C.LATE, "4821", 20, None),
    ("late 20 mins 4821", C.LATE, "4821", 20, None),
    ("LATE 20 MINS 4821", C.LATE, "4821", 20, None),
    ("late 20min 4821", C.LATE, "4821", 20, None),
    ("Running late 15 minutes 4821", C.LATE, "4821", 15, None),
    ("late 4821 20", C.LATE, "4821", 20, None),
    ("late 1 hour 4821", C.LATE, "4821", 60, None),
    ("late 1h 4821", C.LATE, "4821", 60, None),
    ("lte 30 4821", C.LATE, "4821", 30, None),
    ("laet 30 4821", C.LATE, "4821", 30, None),
    ("LATE 20", C.LATE, None, 20, None),
    ("late 120 4821", C.LATE, "4821", 120, None),
    # taking an alarm
    ("TAKE 4821", C.TAKE, None, None, "4821"),
    ("take4821", C.TAKE, None, None, "4821"),
    ("Tak 4821", C.TAKE, None, None, "4821"),
    ("taking 4821", C.TAKE, None, None, "4821"),
    # gateway keywords
    ("STOP", C.STOP, None, None, None),
    ("stop", C.STOP, None, None, None),
    (" Unsubscribe ", C.STOP, None, None, None),
    ("START", C.START, None, None, None),
    ("unstop", C.START, None, None, None),
    # everything else: help
    ("HELP", C.HELP, None, None, None),
    ("?", C.HELP, None, None, None),
    ("what do I send", C.HELP, None, None, None),
    ("", C.HELP, None, None, None),
    ("4821", C.HELP, None, None, None),
    ("stop it please", C.HELP, None, None, None),  # STOP only when it is the whole text
    # the PIN is the 4-digit number: a zero for the O, a time, a space inside the PIN
    ("0k 4821", C.OK, "4821", None, None),
    ("0k4821", C.OK, "4821", None, None),
    ("Arrived 10:15 4821", C.ARRIVED, "4821", None, None),
    ("back at 9.30am 4821", C.BACK, "4821", None, None),
    ("OK 4821 at 10.15", C.OK, "4821", None, None),
    ("OK 48 21", C.OK, "4821", None, None),
    ("late 20 10:40 4821", C.LATE, "4821", 20, None),
    ("ok 482", C.OK, "482", None, None),  # too short: a wrong PIN, checked later
]


@pytest.mark.parametrize(("text", "command", "pin", "minutes", "code"), FORMS)
def test_every_form_and_typo(
    text: str, command: Command, pin: str | None, minutes: int | None, code: str | None
) -> None:
    parsed = parse(text)
    assert (parsed.command, parsed.pin, parsed.minutes, parsed.code) == (
        command,
        pin,
        minutes,
        code,
    ), text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("LATE 4821", "LATE needs how many minutes"),
        ("late", "LATE needs how many minutes"),
        ("late 0 4821", "LATE takes 1 to 720 minutes"),
        ("late 900 4821", "LATE takes 1 to 720 minutes"),
        ("TAKE", "TAKE needs the alarm's code"),
        ("banana 4821", "Not a command"),
    ],
)
def test_what_is_missing_is_said(text: str, problem: str) -> None:
    assert problem in parse(text).problem


def test_a_family_name_is_kept_to_choose_between_two_visits() -> None:
    parsed = parse("OK 4821 Clarke")
    assert parsed.words == ("clarke",)
    assert parse("LATE 20 mins 4821 ahmed").words == ("ahmed",)
    assert parse("ok 4821").words == ()


def test_only_visit_commands_need_a_pin() -> None:
    assert {c for c in Command if parse(c.value).needs_pin} >= {C.OK, C.BACK, C.LEFT}
    assert not parse("TAKE 4821").needs_pin
    assert not parse("STOP").needs_pin


def test_words_split_letters_from_digits_and_drop_dots() -> None:
    assert words_of("O.K.4821") == ["ok", "4821"]
    assert words_of("LATE20MINS") == ["late", "20", "mins"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("bluebell", True),
        ("BLUEBELL 4821", True),
        ("can you ring me about the Bluebell order", True),
        ("ok 4821 bluebell.", True),
        ("bluebells are out", False),
        ("the blue bell rang", False),
        ("ok 4821", False),
        ("", False),
    ],
)
def test_a_safe_word_anywhere_as_a_whole_word(text: str, found: bool) -> None:
    assert mentions(text, ["bluebell"]) is found


def test_a_safe_phrase_and_a_school_duress_word() -> None:
    words = ["red kite", "pineapple"]
    assert mentions("Could you order the RED  kite book", words)
    assert mentions("pineapple", words)
    assert not mentions("red kites", words)
    assert not mentions("anything", [])
    assert not mentions("anything", [""])


def test_what_is_stored_hides_the_pin_and_the_safe_word() -> None:
    shown = redact("OK 4821 ring me about the Bluebell order", ["bluebell"])
    assert "4821" not in shown and "Bluebell" not in shown
    assert shown == "OK •••• ring me about the [safe word] order"
    assert redact("late 20 4821", []) == "late 20 ••••"
    assert redact("Red  Kite now", ["red kite"]) == "[safe word] now"
    assert redact("OK 48 21", []) == "OK ••••"  # a PIN typed with a space
    assert redact("Arrived 10:15", []) == "Arrived 10:15"


@pytest.mark.parametrize(
    ("word", "refused"),
    [
        ("back", "every day"),
        ("late", "every day"),
        ("here", "every day"),
        ("left", "every day"),
        ("Arrived", "every day"),
        ("stop", "every day"),
        ("take", "every day"),
        ("help", "every day"),
        ("ok", "every day"),
        ("the", "every day"),
        ("at school", "every day"),
        ("back 20", "every day"),
        ("4821", "not digits"),
        ("12 30", "not digits"),
        ("zq", "too short"),
        ("bluebell", ""),
        ("blue back", ""),  # a phrase with a word of its own is only found as the phrase
        ("pineapple", ""),
    ],
)
def test_a_secret_word_that_ordinary_texts_contain_is_refused(word: str, refused: str) -> None:
    problem = secret_word_problem(word)
    assert (refused in problem) if refused else problem == ""
