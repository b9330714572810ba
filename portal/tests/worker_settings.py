"""Settings of a real worker process started by a crash test (``conftest.WorkerProcess``).

The test settings, but on the test database, with real SMTP to the test's sink, the test's media
folder and tasks published to the test's own queue.
"""

import os
from pathlib import Path

from portal.settings.test import *  # noqa: F403
from portal.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["WORKER_DATABASE_NAME"]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["WORKER_SMTP_PORT"])
EMAIL_USE_TLS = EMAIL_USE_SSL = False
EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
EMAIL_TIMEOUT = 120
MEDIA_ROOT = Path(os.environ["WORKER_MEDIA_ROOT"])
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["WORKER_QUEUE"]
