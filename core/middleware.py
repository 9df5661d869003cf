"""Request-wide behaviour of our own."""
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404
from django.views import defaults

# How often, at most, a signed-in session's expiry is moved forward while it is in use.
REFRESH_EVERY = 60


def mark_seen(sender, request, user, **kwargs) -> None:
    """On login (`user_logged_in`): the session starts its clock now, so the first requests need no save."""
    request.session["_seen"] = int(time.time())


class IdleTimeoutMiddleware:
    """A signed-in session ends SESSION_COOKIE_AGE seconds after its last use, not after its login.

    Saving the session on every request would do the same with a database
    write per request; here the expiry moves at most once a minute, so a
    session ends between SESSION_COOKIE_AGE and SESSION_COOKIE_AGE + 60
    seconds after the user was last seen.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get("_seen", 0) >= REFRESH_EVERY:
                session["_seen"] = now      # marks the session modified: saved with a fresh expiry
        return response


def _has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    sources = [request.GET]
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                               "multipart/form-data"):
        sources.append(request.POST)
    return any("\x00" in key or any("\x00" in value for value in values)
               for source in sources for key, values in source.lists())


class RefuseNulMiddleware:
    """A path, query string or form carrying a NUL character is answered 400, with a page in Chinese.

    PostgreSQL refuses NUL in text, so a search for one ended in a 500 wherever a view reads a parameter
    itself. Refused rather than stripped: no keyboard or barcode scanner types a NUL, so it comes from a
    broken client or a probe, and stripping it would search or save something other than what was sent.
    Checking here, once, covers every view, including those added later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            from django.shortcuts import render

            reason = "请求中含有不允许的空字符（\\0），无法处理。请检查输入的内容。"
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)


class ProductErrorPagesMiddleware:
    """With DEBUG on too, a record not found or a right missing gets the product's own page (404.html, 403.html).

    DEBUG is the default of `make run`, and under it Django answers a 404 with its technical page: in English,
    with the project's URL patterns. That is what a trainer or a reviewer sees on a laptop; they should see
    what a county server shows. A real error (500) keeps Django's technical page: that one is for developers.
    Without DEBUG this does nothing, since Django then renders the same templates itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A path that matches no URL reaches neither a view nor process_exception: Django has answered it
        # already. Only a matched URL sets request.resolver_match.
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return defaults.page_not_found(request, Resolver404())
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        return None
