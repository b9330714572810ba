"""The portal's WSGI application for ``bench/pages.py``, with one bare Django view beside it.

    gunicorn --chdir <repository> bench.wsgi:application

Every request goes through the portal's settings and its whole middleware stack in the same
gunicorn workers. Only ``/bench/bare/`` is resolved against this module's URLconf instead of the
portal's (Django honours ``request.urlconf``), so the bare view is never in the portal's URLs and
costs exactly what Django costs for a view that does nothing.
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

BARE_PATH = "/bench/bare/"


def bare(request):
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


urlpatterns = [path(BARE_PATH.strip("/") + "/", bare)]


class BenchHandler(WSGIHandler):
    def get_response(self, request):
        if request.path_info == BARE_PATH:
            request.urlconf = __name__
        return super().get_response(request)


django.setup(set_prefix=False)
application = BenchHandler()
