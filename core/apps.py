from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "系统"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_seen

        user_logged_in.connect(mark_seen, dispatch_uid="core.mark_seen")
