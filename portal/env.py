"""The one django-environ ``env`` object every settings module reads from.

Values come from the process environment, optionally pre-filled from a ``.env`` file at the
repository root (never committed). Local defaults live in the settings modules, not here.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_dotenv = BASE_DIR / ".env"
if _dotenv.is_file():
    environ.Env.read_env(_dotenv)
