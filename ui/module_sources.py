"""Keep PySide6 from holding the source of every module the app imports.

PySide6's feature switch (`from __feature__ import ...`) asks, for each module imported after it,
whether that module uses PySide6, by reading the module's whole source with inspect.getsource.
That goes through linecache, which keeps every line it read for the life of the process: ~440,000
lines (about 37 MB) once every screen is open. The same question is answered here by reading the
file without keeping it, so the answer (and the feature switch) is unchanged.

`keep_no_module_sources()` runs when the `ui` package is imported, before any Qt import (the
command line never pays for PySide6): it changes PySide6's check as soon as PySide6 is loaded.
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

FEATURE_MODULE = "shibokensupport.feature"  # PySide6's feature switch (embedded in shiboken6)


def uses_pyside(module: ModuleType) -> bool:
    """PySide6's own test ("PySide6" in the module's source), the file read and not kept."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built-in or compiled: PySide6's check finds no source either
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def _patch_feature_check() -> bool:
    """Swap in `uses_pyside`; False when this PySide6 has no such check (nothing changed)."""
    feature = sys.modules.get(FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
    return True


class _AfterPySide:
    """Finds nothing itself: lets the real finder load PySide6, then patches its check."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "PySide6":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader: Any = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        load = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            _patch_feature_check()

        loader.exec_module = exec_module
        return spec


def keep_no_module_sources() -> None:
    """Patch PySide6's check now if it is loaded, else as soon as it is."""
    if "PySide6" in sys.modules:
        _patch_feature_check()
    elif not any(isinstance(f, _AfterPySide) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterPySide())
