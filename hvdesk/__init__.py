"""hvdesk core: domain, rules, storage, services and printing, free of Qt widgets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hvdesk")
except PackageNotFoundError:  # running from a frozen build or a bare checkout
    __version__ = "0.1.0"
