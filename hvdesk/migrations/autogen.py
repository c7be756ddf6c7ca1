"""Developer tool: write a new migration from the models. `python -m hvdesk.migrations.autogen MSG`."""

import sys
import tempfile
from pathlib import Path

from alembic import command

from hvdesk.db import alembic_config, make_engine, migrate

if __name__ == "__main__":
    message = " ".join(sys.argv[1:]) or "schema change"
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'autogen.sqlite3'}")
        migrate(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)
    print("Now set hvdesk.db.SCHEMA_HEAD to the new revision (a test checks it).")
