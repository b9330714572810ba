"""Local development: SQLite in var/, tasks inline, e-mail to var/mail/ (see base)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
