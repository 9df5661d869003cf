from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "系统"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from places.models import County, Group, Township, Village

        from . import checks, exports  # noqa: F401  (register the system checks and the list-export job runner)
        from .audit import register_audited
        from .db import tune_new_connection
        from .middleware import mark_seen
        from .pdf import lists  # noqa: F401  (register the printed-list job runner)

        connection_created.connect(tune_new_connection, dispatch_uid="core.tune_new_connection")
        user_logged_in.connect(mark_seen, dispatch_uid="core.mark_seen")
        # `places` stands below core and knows nothing of the audit trail, so its models are put under it here.
        for model in (County, Township, Village, Group):
            register_audited(model, exclude=("search_keys", "sort_key"))
