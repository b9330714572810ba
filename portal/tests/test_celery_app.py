"""The Celery application's worker set-up."""

import os

from django.urls import clear_url_caches, get_resolver

from portal.celery import app, worker_urls_load


def _namespaces(resolver):
    yield resolver
    for _prefix, namespace in resolver.namespace_dict.values():
        yield from _namespaces(namespace)


def test_worker_loads_the_url_configuration_for_every_language_before_forking(settings):
    clear_url_caches()  # a resolver as a worker's main process has it before any reverse()
    try:
        resolver = get_resolver()
        assert resolver._reverse_dict == {}

        worker_urls_load(sender=None)

        languages = {code for code, _name in settings.LANGUAGES}
        resolvers = list(_namespaces(get_resolver()))
        assert get_resolver() is resolver
        assert len(resolvers) > 5  # the app namespaces: inventories, staff, accounts, ...
        for each in resolvers:
            assert set(each._reverse_dict) == languages, each
    finally:
        clear_url_caches()


def test_worker_runs_twice_as_many_pool_processes_as_cores_by_default(settings):
    assert settings.CELERY_WORKER_CONCURRENCY == 2 * (os.cpu_count() or 1)
    assert app.conf.worker_concurrency == settings.CELERY_WORKER_CONCURRENCY
