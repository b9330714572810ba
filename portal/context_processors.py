import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

#: The pages every response links to from its header, footer and session dialog.
CHROME_URLS = {
    "home": "home",
    "staff_home": "staff:home",
    "login": "login",
    "logout": "logout",
    "set_language": "set_language",
    "session_extend": "session_extend",
    "accessibility": "accessibility",
    "privacy": "privacy",
}


@functools.lru_cache(maxsize=16)
def _chrome_urls(prefix: str, urlconf) -> dict[str, str]:
    return {key: reverse(name, urlconf=urlconf) for key, name in CHROME_URLS.items()}


def chrome_urls() -> dict[str, str]:
    """``CHROME_URLS`` reversed, once per process (and script prefix and URLconf): eight
    ``{% url %}`` tags in ``base.html`` cost about half a millisecond on every page."""
    return _chrome_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def portal(request):
    user = getattr(request, "user", None)
    return {
        "STAFF_MAILBOX": settings.STAFF_MAILBOX,
        "user_is_handlaggare": bool(user and user.is_authenticated and user.is_handlaggare),
        "chrome_urls": chrome_urls(),
    }
