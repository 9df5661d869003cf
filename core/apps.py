from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "系统"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from .db import tune_new_connection
        from .middleware import mark_seen

        connection_created.connect(tune_new_connection, dispatch_uid="core.tune_new_connection")
        user_logged_in.connect(mark_seen, dispatch_uid="core.mark_seen")
