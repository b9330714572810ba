"""The Celery application. Settings come from Django's settings under the ``CELERY_`` prefix."""

import os

from celery import Celery
from celery.signals import celeryd_init, worker_init

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


def _populate(resolver) -> None:
    resolver.reverse_dict  # noqa: B018 - builds the reverse lookup for the active language
    for _prefix, namespace in resolver.namespace_dict.values():
        _populate(namespace)


@worker_init.connect
def worker_urls_load(**kwargs):
    """Load the URL configuration in the worker's main process, before it forks its pool.

    Building an e-mail reverses a URL, and the first ``reverse()`` imports every view the URL
    configuration names (with WeasyPrint and matplotlib: about 1 s of CPU). Done here once,
    every pool process starts with it, in memory they share, instead of each paying for it in
    its first task (in the reminder sweep, while the other processes wait for the CPU).
    """
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            _populate(resolver)
