"""hvdesk core: domain, rules, storage, services and printing, free of Qt widgets."""

# Written here rather than read from the installed metadata: importlib.metadata alone costs more
# than the rest of `hvdesk --version`. A test keeps it equal to pyproject.toml's version.
__version__ = "0.1.0"
