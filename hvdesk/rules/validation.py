"""Field validators. Each returns the cleaned value or raises FieldError naming the field and fix."""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from hvdesk.errors import FieldError

# The UK government's postcode pattern (BS 7666), with the GIR 0AA special case.
_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_REGISTRATION = re.compile(r"^[A-Z0-9 ]{2,8}$")
_USERNAME = re.compile(r"^[a-z0-9._-]{2,40}$")


# C0 controls (NUL, ESC and the rest) and DEL, but not tab and newline, which free text may hold.
# A NUL or an escape sequence pasted into a name can cut it short in a report or drive a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Dates of a record that are so old they must be a typing error (a DBS check before DBS existed).
EARLIEST_RECORD = date(2002, 3, 1)  # the Criminal Records Bureau began issuing checks in 2002


def no_control_characters(text: str, field: str) -> str:
    found = _CONTROL.search(text)
    if found:
        code = f"U+{ord(found.group()):04X}"
        raise FieldError(
            field,
            f"contains an invisible control character ({code}); retype it rather than pasting",
        )
    return text


def required(value: str | None, field: str, max_len: int = 200) -> str:
    text = no_control_characters((value or "").strip(), field)
    if not text:
        raise FieldError(field, "is required; please fill it in")
    if len(text) > max_len:
        raise FieldError(field, f"is too long ({len(text)} characters); keep it under {max_len}")
    return text


def optional_text(value: str | None, field: str, max_len: int = 2000) -> str:
    text = no_control_characters((value or "").strip(), field)
    if len(text) > max_len:
        raise FieldError(field, f"is too long ({len(text)} characters); keep it under {max_len}")
    return text


# Ofcom reserves these ranges for drama and training; never allocated, so demo data rings nobody.
# phonenumbers (rightly) calls them invalid, so they are accepted here by national number prefix.
_DRAMA_MOBILE = ("7700900",)
_DRAMA_LANDLINE = (
    "1134960",
    "1144960",
    "1154960",
    "1164960",
    "1174960",
    "1184960",
    "1214960",
    "1314960",
    "1414960",
    "1514960",
    "1614960",
    "2079460",
    "1914980",
    "2896496",
    "2920180",
    "1632960",
)


def _national(number: phonenumbers.PhoneNumber) -> str:
    return str(number.national_number)


def is_drama_mobile(number: phonenumbers.PhoneNumber) -> bool:
    return (
        number.country_code == 44
        and _national(number).startswith(_DRAMA_MOBILE)
        and len(_national(number)) == 10
    )


def _is_drama(number: phonenumbers.PhoneNumber) -> bool:
    nat = _national(number)
    return (
        number.country_code == 44
        and len(nat) == 10
        and nat.startswith(_DRAMA_MOBILE + _DRAMA_LANDLINE)
    )


def _parse_uk(value: str, field: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(value, "GB")
    except NumberParseException:
        raise FieldError(field, f"'{value}' is not a phone number; use e.g. 07700 900123") from None
    if _is_drama(number):
        return number
    if not phonenumbers.is_valid_number(number) or number.country_code != 44:
        raise FieldError(
            field, f"'{value}' is not a valid UK number; check the digits (e.g. 0121 496 0000)"
        )
    return number


def uk_mobile(value: str | None, field: str = "Mobile") -> str:
    """A UK mobile number, returned in E.164 (+447700900123)."""
    text = (value or "").strip()
    if not text:
        raise FieldError(field, "is required; enter a UK mobile number like 07700 900123")
    number = _parse_uk(text, field)
    kind = phonenumbers.number_type(number)
    if not is_drama_mobile(number) and kind not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise FieldError(field, f"'{text}' is a landline; enter a mobile number starting 07")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def uk_phone(value: str | None, field: str = "Phone", *, required_: bool = False) -> str:
    """Any UK landline or mobile in E.164; blank allowed unless required_."""
    text = (value or "").strip()
    if not text:
        if required_:
            raise FieldError(field, "is required; enter a UK phone number")
        return ""
    number = _parse_uk(text, field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """E.164 as people dial it in the UK (07700 900123)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def uk_postcode(value: str | None, field: str = "Postcode") -> str:
    """A UK postcode, returned upper-case with one space before the inward code (B17 0AB)."""
    text = re.sub(r"\s+", "", (value or "").upper())
    if not text:
        raise FieldError(field, "is required; enter the postcode, e.g. B17 0AB")
    if not _POSTCODE.match(text):
        raise FieldError(field, f"'{value}' is not a UK postcode; use the form B17 0AB")
    return f"{text[:-3]} {text[-3:]}"


def vehicle_registration(value: str | None, field: str = "Vehicle registration") -> str:
    text = re.sub(r"\s+", " ", (value or "").strip().upper())
    if not text:
        return ""
    if not _REGISTRATION.match(text) or len(text.replace(" ", "")) < 2:
        raise FieldError(
            field, f"'{value}' is not a registration; use letters and digits, e.g. AB12 CDE"
        )
    return text


def username(value: str | None, field: str = "Username") -> str:
    text = (value or "").strip().lower()
    if not _USERNAME.match(text):
        raise FieldError(field, "use 2-40 lower-case letters, digits, '.', '_' or '-'")
    return text


def not_future(value: date | None, field: str, today: date) -> date | None:
    """A date something happened: not in the future, and not implausibly long ago."""
    if value is not None and value > today:
        raise FieldError(field, f"{value:%d %b %Y} is in the future; enter the date it happened")
    if value is not None and value < EARLIEST_RECORD:
        raise FieldError(
            field,
            f"{value:%d %b %Y} is before {EARLIEST_RECORD:%B %Y}; check the year (a typing slip?)",
        )
    return value


def password(value: str | None, field: str = "Password") -> str:
    text = value or ""
    if len(text) < 8:
        raise FieldError(field, "must be at least 8 characters")
    return text
