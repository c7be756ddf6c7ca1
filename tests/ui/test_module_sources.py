"""PySide6 no longer keeps the source of every module imported after it (tens of MB)."""

from __future__ import annotations

import importlib
import linecache
import sys

import PySide6.QtCore  # noqa: F401
import pytest

from ui.module_sources import FEATURE_MODULE, uses_pyside

pytestmark = pytest.mark.ui


def test_a_module_imported_after_qt_leaves_no_source_lines_behind(tmp_path, monkeypatch):
    (tmp_path / "hv_with_qt.py").write_text("import PySide6\n" + "x = 1\n" * 500)
    (tmp_path / "hv_without_qt.py").write_text("y = 2\n" * 500)
    monkeypatch.syspath_prepend(str(tmp_path))
    with_qt = importlib.import_module("hv_with_qt")
    without = importlib.import_module("hv_without_qt")
    try:
        assert sys.modules[FEATURE_MODULE]._mod_uses_pyside is uses_pyside
        for module in (with_qt, without):
            assert module.__file__ not in linecache.cache
        # PySide6's own answer, unchanged: does the source name PySide6?
        assert uses_pyside(with_qt) and not uses_pyside(without)
        assert not uses_pyside(sys)  # built in: no source
    finally:
        del sys.modules["hv_with_qt"], sys.modules["hv_without_qt"]
