"""The desktop app (PySide6). Importing the package first stops PySide6 keeping every later
module's source in memory (ui.module_sources); it imports no Qt itself."""

from ui.module_sources import keep_no_module_sources

keep_no_module_sources()
