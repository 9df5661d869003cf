"""Request-wide behaviour of our own."""
import time

from django.contrib.auth import SESSION_KEY

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
