from .permissions import permissions_of


def navigation(request):
    user = getattr(request, "user", None)
    return {"user_perms": permissions_of(user) if user is not None else frozenset()}
