from django.utils.functional import SimpleLazyObject

from .todo import todo_for


def todo(request):
    """The to-do counts for the navigation's badge: counted only when a page shows the navigation, and once
    per request (reports.todo.todo_for)."""
    return {"todo": SimpleLazyObject(lambda: todo_for(request))}
