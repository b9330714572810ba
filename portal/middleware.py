"""Swedish first: the portal speaks Swedish unless the user has chosen English."""


class SwedishFirstMiddleware:
    """Ignore the browser's Accept-Language so the default is always Swedish.

    A user who picks English with the language switcher gets a cookie that Django's
    LocaleMiddleware (which must come after this one) honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
