"""Test settings. DATABASE_URL and CELERY_BROKER_URL from the environment choose real services."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks inline unless a test starts a real worker (see conftest.celery_worker).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = env.str("TEST_MEDIA_ROOT", default="/tmp/portal-test-media")
AXES_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Two test runs on one PostgreSQL server (e.g. two worktrees) each need their own test database.
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME")  # noqa: F405
