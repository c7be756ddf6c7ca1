"""The Households search and column sorts, on every database the app runs on.

Names are found without case or accents ("ozturk", "ØYE"), phone numbers as dialled or stored,
and known risks by their words ("dog"); each column header sorts by that column. The same SQL
must give the same homes on SQLite, SQLCipher and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from hvdesk import keystore
from hvdesk.clock import FakeClock
from hvdesk.db import Database, alembic_config, current_revision
from hvdesk.models import Household, Pupil, Role
from hvdesk.services.household_list import HouseholdFilter, HouseholdList, HouseholdSort
from hvdesk.services.households import HouseholdInput, HouseholdService, PupilInput
from tests.conftest import SCHOOL_MORNING, _user

BACKENDS = ["sqlite", "sqlcipher", pytest.param("postgresql", marks=pytest.mark.slow)]


def _open(kind: str, folder, request) -> Database:
    """A migrated, empty database of `kind` (a new one on the session's PostgreSQL server)."""
    if kind == "postgresql":
        from tests.integration.conftest import new_pg_database

        return Database(new_pg_database(request.getfixturevalue("pg_server")))
    key = None
    if kind == "sqlcipher":
        key = keystore.DbKey(keystore.new_key(), "a test", "env")
    return Database(f"sqlite:///{folder / 'search.sqlite3'}", key=key)


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    db = _open(request.param, tmp_path, request)
    yield db
    db.dispose()


HOMES = [
    ("Öztürk family", "4 Bristol Road", "B29 6BD", "07700 900111", ["Elif Öztürk"]),
    ("Øye family", "12 Harborne Lane", "B17 0AB", "07700 900222", ["Ingrid Øye"]),
    ("Brown family", "1 Straße Close", "B30 1AA", "0121 496 0333", ["Zoë Brown", "Adam Brown"]),
    ("Smith family", "9 Oak Avenue", "B31 2DL", "", ["Sam Smith"]),
]


def _four_homes(database):
    """Four homes; the Smiths have a dog, the Browns an aggressive adult (since ended) and a
    review due."""
    clock = FakeClock(SCHOOL_MORNING)
    actor = _user(database, "office", "Office", Role.OFFICE)
    service = HouseholdService(database, clock)
    ids = {}
    for name, address, postcode, phone, pupils in HOMES:
        data = HouseholdInput(
            name, address, postcode, phone, pupils=[PupilInput(p) for p in pupils]
        )
        ids[name.split()[0]] = service.create(actor, data).id
    service.add_risk(actor, ids["Smith"], "animals", "Large dog in the garden")
    ended = service.add_risk(actor, ids["Brown"], "aggression", "Father shouted at staff")
    service.end_risk(actor, ended.id, "moved out")
    service.add_risk(actor, ids["Brown"], "other_services", "Early help")
    return database, clock, ids


@pytest.fixture
def homes(database):
    """The four homes in a database of this test's own (for tests that change them)."""
    return _four_homes(database)


@pytest.fixture(scope="module")
def _shared_homes():
    """The four homes on each kind of database, made once for this file's searches (which only
    read them) when the first search asks; closed at the end of the file."""
    made: dict[str, tuple] = {}
    yield made
    for db, _clock, _ids in made.values():
        db.dispose()


@pytest.fixture(params=BACKENDS)
def searched_homes(request, _shared_homes, tmp_path_factory):
    """The four homes, shared by the searches on one kind of database: a search writes nothing
    (its SQL is the same whichever test runs it first), so migrating and filling a database for
    each of the 90 searches only cost time."""
    kind = request.param
    if kind not in _shared_homes:
        _shared_homes[kind] = _four_homes(_open(kind, tmp_path_factory.mktemp(kind), request))
    return _shared_homes[kind]


def _found(db, clock, typed: str, **flt) -> list[str]:
    rows = HouseholdList(db, clock).page(HouseholdFilter(search=typed, **flt))
    return [row.name.split()[0] for row in rows]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ozturk", ["Öztürk"]),  # accents not typed
        ("ÖZTÜRK", ["Öztürk"]),  # upper case beyond ASCII
        ("öztürk", ["Öztürk"]),
        ("øye", ["Øye"]),  # a letter with no decomposition
        ("oye", ["Øye"]),
        ("elif", ["Öztürk"]),  # a pupil's name
        ("zoe", ["Brown"]),
        ("strasse", ["Brown"]),  # an address folded too
        ("b17 0ab", ["Øye"]),
        ("07700 900", ["Öztürk", "Øye"]),  # phone as dialled
        ("07700 900222", ["Øye"]),
        ("+44 7700 900111", ["Öztürk"]),  # as written internationally
        ("0121 496", ["Brown"]),
        ("dog", ["Smith"]),  # a current known risk's words
        ("animals", ["Smith"]),
        ("aggression", []),  # ended: not a current risk
        ("early help", []),  # a risk's description is not its label
        ("services", ["Brown"]),
        ("zzz", []),
    ],
)
def test_search_finds_accents_phones_and_risks(searched_homes, typed, expected):
    db, clock, _ids = searched_homes
    assert sorted(_found(db, clock, typed)) == sorted(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", ["Øye"]),  # a house number, not every phone with a 1 and a 2 in it
        ("44", []),  # the country code is not part of the number as the list shows it
        ("0", ["Øye", "Brown"]),  # postcodes B17 0AB, B30 1AA; not every number's trunk 0
        ("+44 (0)7700 900111", ["Öztürk"]),  # the usual written UK form
        ("0044 7700 900111", ["Öztürk"]),
        ("+44 07700 900111", ["Öztürk"]),
        ("07700 900", ["Öztürk", "Øye"]),  # the start of a number as dialled
        ("0121", ["Brown"]),
        ("900111", ["Öztürk"]),  # five digits or more: anywhere in the number
        ("7700 900", ["Öztürk", "Øye"]),
        ("+44", []),
    ],
)
def test_a_phone_number_is_matched_as_the_list_shows_it(searched_homes, typed, expected):
    """Digits match the national number (07700 900111, as the Phone column reads), from its start
    when typed with 0 or +, anywhere once five digits are typed; shorter digits are addresses."""
    db, clock, _ids = searched_homes
    assert sorted(_found(db, clock, typed)) == sorted(expected)


def test_risk_words_match_from_the_start_of_a_label_word(homes):
    """"ted" is not "unexpec-ted adults", nor "len"/"ole" "vio-len-ce", nor "hol" "alco-hol"
    (typing "Holly"); "dog" still finds "dogs" and a label's later words count."""
    db, clock, ids = homes
    actor = _user(db, "o4", "O", Role.OFFICE)
    service = HouseholdService(db, clock)
    service.add_risk(actor, ids["Öztürk"], "recent_violence", "Police called last month")
    service.add_risk(actor, ids["Øye"], "unexpected_adults", "Lodger")
    service.add_risk(actor, ids["Brown"], "intoxication", "Father drinks")
    for typed in ("ted", "len", "ole", "hol", "ogs"):
        assert _found(db, clock, typed) == [], typed
    assert _found(db, clock, "dog") == ["Smith"]
    assert _found(db, clock, "violence") == ["Öztürk"]
    assert _found(db, clock, "unexpected adults") == ["Øye"]
    assert _found(db, clock, "adu") == ["Øye"]
    assert _found(db, clock, "alcohol") == ["Brown"]


def test_a_renamed_pupil_and_household_are_found_by_their_new_names(homes):
    db, clock, ids = homes
    actor = _user(db, "office2", "Office Two", Role.OFFICE)
    service = HouseholdService(db, clock)
    data = HouseholdInput.from_household(service.get(ids["Smith"]))
    data.name = "Šmíd family"
    data.pupils[0].name = "Søren Šmíd"
    service.update(actor, ids["Smith"], data)
    assert _found(db, clock, "smid") == ["Šmíd"]
    assert _found(db, clock, "soren") == ["Šmíd"]
    assert _found(db, clock, "sam smith") == []


def _column(db, clock, sort: HouseholdSort, descending: bool = False) -> list[str]:
    flt = HouseholdFilter(include_inactive=True, sort=sort, descending=descending)
    return [row.name.split()[0] for row in HouseholdList(db, clock).page(flt)]


def test_each_column_sorts_by_its_own_values(homes):
    """No two homes tie on a column here, except where the name (ASCII) decides."""
    db, clock, ids = homes
    actor = _user(db, "o3", "O", Role.OFFICE)
    service = HouseholdService(db, clock)
    service.add_risk(actor, ids["Øye"], "unexpected_adults", "Lodger")
    service.set_active(actor, ids["Øye"], False)
    with db.transaction() as session:
        for home in session.scalars(select(Household)):
            home.assessment_needs_review = home.id == ids["Öztürk"]
    # pupils: Adam (Brown), Elif (Öztürk), Ingrid (Øye), Sam (Smith)
    assert _column(db, clock, HouseholdSort.PUPILS) == ["Brown", "Öztürk", "Øye", "Smith"]
    assert _column(db, clock, HouseholdSort.PUPILS, True) == ["Smith", "Øye", "Öztürk", "Brown"]
    # risks: Animals (Smith), None recorded (Öztürk), Other services (Brown), Unexpected (Øye)
    assert _column(db, clock, HouseholdSort.RISKS) == ["Smith", "Öztürk", "Brown", "Øye"]
    # status as it reads: Active (Brown, Smith), Deactivated (Øye), Review assessment (Öztürk)
    assert _column(db, clock, HouseholdSort.STATUS) == ["Brown", "Smith", "Øye", "Öztürk"]
    assert _column(db, clock, HouseholdSort.STATUS, True) == ["Öztürk", "Øye", "Smith", "Brown"]


def test_the_migration_folds_existing_rows_and_goes_back(database):
    """0022 fills the keys of rows written before it; down again drops them."""
    from alembic import command

    clock = FakeClock(SCHOOL_MORNING)
    actor = _user(database, "office", "Office", Role.OFFICE)
    home = HouseholdService(database, clock).create(
        actor,
        HouseholdInput("Öztürk family", "4 Bristol Road", "B29 6BD", pupils=[PupilInput("Zoë")]),
    )
    command.downgrade(alembic_config(database.engine), "0021")
    assert current_revision(database.engine) == "0021"
    with database.engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM household")).keys()
    assert "search_key" not in columns
    command.upgrade(alembic_config(database.engine), "head")
    with database.read() as session:
        assert session.scalar(select(Household.search_key).where(Household.id == home.id)) == (
            "ozturk family\n4 bristol road\nb29 6bd"
        )
        assert (
            session.scalar(select(Pupil.search_key).where(Pupil.household_id == home.id)) == "zoe"
        )
    assert _found(database, clock, "OZTURK") == ["Öztürk"]


def test_the_migration_folds_as_it_did_when_written_whatever_the_app_folds_now(
    database, monkeypatch
):
    """0022 keeps its own copy of the fold: a later change to the app's fold must not change
    what 0022 writes (a change there needs a new re-key migration; see tests/unit/test_folding)."""
    from alembic import command

    from hvdesk.rules import folding

    clock = FakeClock(SCHOOL_MORNING)
    actor = _user(database, "office", "Office", Role.OFFICE)
    HouseholdService(database, clock).create(
        actor, HouseholdInput("Øye family", "12 Harborne Lane", "B17 0AB")
    )
    command.downgrade(alembic_config(database.engine), "0021")
    monkeypatch.setattr(folding, "fold", str.upper)
    monkeypatch.setattr(folding, "search_key", lambda *fields: "|".join(fields).upper())
    command.upgrade(alembic_config(database.engine), "head")
    with database.read() as session:
        assert session.scalar(select(Household.search_key)) == (
            "oye family\n12 harborne lane\nb17 0ab"
        )
