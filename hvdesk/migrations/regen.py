"""Developer tool while hvdesk is unreleased: rewrite 0001_initial_schema.py from the models.

`python -m hvdesk.migrations.regen`. Once a release has shipped, use autogen.py for a new revision
instead: a shipped migration is never rewritten.
"""

import tempfile
from pathlib import Path

from alembic import command

from hvdesk.db import alembic_config, make_engine

VERSIONS = Path(__file__).resolve().parent / "versions"

if __name__ == "__main__":
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'regen.sqlite3'}")
        command.revision(
            alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001"
        )
