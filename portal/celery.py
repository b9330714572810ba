"""The Celery application. Settings come from Django's settings under the ``CELERY_`` prefix."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def worker_broker_timeouts(sender=None, conf=None, **kwargs):
    """A worker waits longer for Redis than a web request does: the short socket timeout of the
    settings keeps a hanging broker from holding a request; a worker has no one waiting."""
    from django.conf import settings

    conf.broker_transport_options = {
        **conf.broker_transport_options,
        "socket_timeout": settings.WORKER_BROKER_SOCKET_TIMEOUT,
    }
