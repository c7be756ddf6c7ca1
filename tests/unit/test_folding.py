"""The search fold pinned: fixed names -> fixed keys.

Stored search keys (household.search_key, pupil.search_key) were folded when each row was written
and, for older rows, by migration 0022's frozen copy of this fold. Typed text is folded by the
app's fold now. If this table has to change, the fold changed: stored keys no longer match what
people type and homes stop being found. Changing the fold therefore needs a NEW migration that
re-keys every household and pupil with the new fold (frozen inside that migration) in the same
change, and then this table updated.
"""

from __future__ import annotations

import pytest

from hvdesk.rules.folding import fold, search_key

PINNED = [
    ("Öztürk", "ozturk"),
    ("ÖZTÜRK", "ozturk"),
    ("Øye", "oye"),
    ("Zoë Brown", "zoe brown"),
    ("Straße", "strasse"),
    ("Søren Šmíd", "soren smid"),
    ("Łukasz Wałęsa", "lukasz walesa"),
    ("Æsa Œuvre", "aesa oeuvre"),
    ("Đorđe Þór", "dorde thor"),
    ("Iğdır Ħal", "igdir hal"),
    ("Nguyễn Thị", "nguyen thi"),
    ("ﬁnn", "finn"),  # a ligature (NFKD)
    ("Siobhán O'Neill-Ó Dálaigh", "siobhan o'neill-o dalaigh"),
    ("B17 0AB", "b17 0ab"),
    ("", ""),
]


@pytest.mark.parametrize(("name", "key"), PINNED)
def test_fold_is_pinned(name, key):
    assert fold(name) == key


def test_search_key_is_pinned():
    assert search_key("Öztürk family", "4 Bristol Road\nSelly Oak", "B29 6BD") == (
        "ozturk family\n4 bristol road\nselly oak\nb29 6bd"
    )


def test_migration_0022_folds_as_the_app_does():
    """0022's frozen copy and the app's fold agree on the pinned names (while the fold is
    unchanged; after a re-key migration, compare with that migration's copy instead)."""
    import importlib.util
    from pathlib import Path

    import hvdesk.migrations

    path = Path(hvdesk.migrations.__file__).parent / "versions" / "0022_household_search_keys.py"
    spec = importlib.util.spec_from_file_location("migration_0022", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [module.search_key(name) for name, _key in PINNED] == [key for _name, key in PINNED]
