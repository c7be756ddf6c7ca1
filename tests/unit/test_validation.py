"""Every validated field, with good and bad values: the message names the field and the fix."""

from __future__ import annotations

from datetime import date

import pytest

from hvdesk.errors import FieldError, ValidationError
from hvdesk.rules import validation as v
from hvdesk.services.households import HouseholdInput, PupilInput, clean_household
from hvdesk.services.staff import StaffInput, clean_staff

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7911 123456", "+447911123456"),
        ("07911123456", "+447911123456"),
    ],
)
def test_uk_mobile_accepts_and_normalises(raw, expected):
    assert v.uk_mobile(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "is required"),
        ("0121 496 0000", "landline"),
        ("12345", "not a valid UK number"),
        ("not a number", "not a phone number"),
        ("+1 202 555 0143", "not a valid UK number"),
    ],
)
def test_uk_mobile_rejects_with_field_and_fix(raw, fragment):
    with pytest.raises(FieldError) as err:
        v.uk_mobile(raw, "Mobile")
    assert err.value.field == "Mobile"
    assert fragment in err.value.message


def test_uk_phone_accepts_landline_and_blank():
    assert v.uk_phone("0121 496 0000") == "+441214960000"
    assert v.uk_phone("") == ""
    with pytest.raises(FieldError, match="Home phone"):
        v.uk_phone("0121 49", "Home phone")
    with pytest.raises(FieldError, match="required"):
        v.uk_phone("", "Phone", required_=True)


def test_display_phone_is_national_format():
    assert v.display_phone("+447700900123") == "07700 900123"
    assert v.display_phone("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("b17 0ab", "B17 0AB"),
        ("SW1A1AA", "SW1A 1AA"),
        (" ec1a  1bb ", "EC1A 1BB"),
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_postcode_normalised(raw, expected):
    assert v.uk_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "B17", "12345", "QQ1 1QQ", "B17 0A1"])
def test_postcode_rejected(raw):
    with pytest.raises(FieldError) as err:
        v.uk_postcode(raw)
    assert err.value.field == "Postcode"


def test_registration():
    assert v.vehicle_registration("ab12 cde") == "AB12 CDE"
    assert v.vehicle_registration("") == ""
    with pytest.raises(FieldError, match="registration"):
        v.vehicle_registration("AB-12!")


def test_required_and_lengths():
    with pytest.raises(FieldError, match="is required"):
        v.required("  ", "Name")
    with pytest.raises(FieldError, match="too long"):
        v.required("x" * 300, "Name")
    with pytest.raises(FieldError, match="too long"):
        v.optional_text("x" * 3000, "Notes")


def test_username_and_password():
    assert v.username(" Office ") == "office"
    with pytest.raises(FieldError, match="Username"):
        v.username("a b")
    with pytest.raises(FieldError, match="at least 8"):
        v.password("short")


def test_staff_form_reports_every_bad_field_at_once():
    data = StaffInput(
        name="", mobile="0121 496 0000", vehicle_registration="!!", dbs_date=date(2027, 1, 1)
    )
    with pytest.raises(ValidationError) as err:
        clean_staff(data, TODAY)
    fields = {e.field for e in err.value.errors}
    assert fields == {"Name", "Mobile", "Vehicle registration", "DBS check date", "DBS type"}
    assert "future" in err.value.for_field("DBS check date")


def test_staff_form_cleans_good_values():
    data = StaffInput(name=" Jo Bloggs ", mobile="07700 900123", vehicle_registration="ab12cde")
    cleaned = clean_staff(data, TODAY)
    assert cleaned["name"] == "Jo Bloggs"
    assert cleaned["mobile"] == "+447700900123"
    assert cleaned["vehicle_registration"] == "AB12CDE"


def test_household_form_errors():
    data = HouseholdInput(
        name="",
        address="",
        postcode="nope",
        phone="123",
        social_worker_phone="0121 496 0999",
        pupils=[PupilInput(name="", year_group="Year 2")],
    )
    with pytest.raises(ValidationError) as err:
        clean_household(data)
    fields = {e.field for e in err.value.errors}
    assert fields == {
        "Household name",
        "Address",
        "Postcode",
        "Home phone",
        "Social worker",
        "Pupil 1 name",
    }


def test_household_form_skips_blank_pupil_rows():
    data = HouseholdInput(
        name="Begum family",
        address="1 Hill St",
        postcode="b17 0ab",
        pupils=[PupilInput(), PupilInput("Aisha", "Y2")],
    )
    cleaned, pupils = clean_household(data)
    assert cleaned["postcode"] == "B17 0AB"
    assert [p.name for p in pupils] == ["Aisha"]


def test_control_characters_are_refused_naming_the_field():
    import pytest as _pytest

    from hvdesk.errors import FieldError
    from hvdesk.rules import validation as val

    for bad in ("Patel\x00 family", "\x1b[31mRed\x1b[0m", "Bell\x07"):
        with _pytest.raises(FieldError) as info:
            val.required(bad, "Household name")
        assert info.value.field == "Household name" and "control character" in info.value.message
    with _pytest.raises(FieldError, match="Notes"):
        val.optional_text("ok\x00", "Notes")
    assert (
        val.optional_text("line one\nline two\tand a tab", "Notes")
        == "line one\nline two\tand a tab"
    )


def test_implausible_record_dates_are_refused():
    from datetime import date

    import pytest as _pytest

    from hvdesk.errors import FieldError
    from hvdesk.rules import validation as val

    today = date(2026, 11, 24)
    assert val.not_future(date(2024, 5, 1), "DBS check date", today) == date(2024, 5, 1)
    with _pytest.raises(FieldError, match="check the year"):
        val.not_future(date(1926, 5, 1), "DBS check date", today)
    with _pytest.raises(FieldError, match="in the future"):
        val.not_future(date(2226, 5, 1), "DBS check date", today)
