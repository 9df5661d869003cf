from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村组与台账"

    def ready(self):
        from . import exports  # noqa: F401  (registers the list exporters)
