"""The Celery app of ``bench/reminders.py``'s worker processes (``celery -A reminders_worker``).

The portal's app and tasks on the bench's throwaway database (``DATABASE_URL``), its private
Redis db and queue, with real SMTP to the bench's sink. Each task's SQL statements and CPU time
are added up in Redis, and the sweep task's result is kept there, for the bench to report.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from celery.signals import task_postrun, task_prerun, worker_process_init  # noqa: E402
from django.conf import settings  # noqa: E402

from portal.celery import app  # noqa: E402

BROKER_URL = os.environ["BENCH_BROKER_URL"]
settings.CELERY_TASK_ALWAYS_EAGER = False
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(os.environ["BENCH_SMTP_PORT"])
settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
app.conf.update(
    broker_url=BROKER_URL,
    task_always_eager=False,
    task_default_queue=os.environ["BENCH_QUEUE"],
)

_state = {"queries": 0, "cpu": 0.0}
_redis = None


def _counted(execute, sql, params, many, context):
    _state["queries"] += 1
    return execute(sql, params, many, context)


@worker_process_init.connect
def _count_queries(**kwargs):
    from django.db import connection

    global _redis
    _redis = redis.Redis.from_url(BROKER_URL)
    connection.execute_wrappers.append(_counted)
    _redis.incrby("bench:ready", 1)


@task_prerun.connect
def _started(**kwargs):
    _state["queries"], _state["cpu"] = 0, time.process_time()


@task_postrun.connect
def _finished(task=None, retval=None, **kwargs):
    client = _redis or redis.Redis.from_url(BROKER_URL)
    client.incrby("bench:queries", _state["queries"])
    client.incrbyfloat("bench:cpu", time.process_time() - _state["cpu"])
    client.incrby("bench:tasks", 1)
    if task is not None and task.name == "reminders.tasks.reminders_sweep":
        client.set("bench:sweep", json.dumps(retval, default=str))
