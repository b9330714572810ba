"""A bench's own database: a name unique to the run, created and dropped by that run alone.

On PostgreSQL (DATABASE_URL) the name is ``portal_bench_<bench>_<pid>_<hex>``, so two people
benching on one server never touch each other's data; on SQLite a file in the bench's temporary
folder. Call after ``django.setup()``; drop with ``connection.creation.destroy_test_db``.
"""

import os
import secrets
from pathlib import Path


def database_create(bench: str, tmp: str) -> str:
    """Create the throwaway database and point the connection at it; returns the old name."""
    from django.db import connection

    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        test["NAME"] = f"portal_bench_{bench}_{os.getpid()}_{secrets.token_hex(4)}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=False, keepdb=False)
