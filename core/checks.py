"""System checks run by every manage.py command (runserver, migrate, load_demo: so `make run` too)."""
from django.core.checks import Error, register


@register()
def document_face(app_configs=None, **kwargs):
    """Without a CJK serif face every printed document would be empty boxes: stop at once and say what
    to install."""
    from core.pdf import fonts

    try:
        fonts.require_face()
    except fonts.MissingFace as error:
        return [Error(str(error), id="core.E001")]
    return []
