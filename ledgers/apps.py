from django.apps import AppConfig


class LedgersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ledgers"
    verbose_name = "台账导入导出"

    def ready(self):
        # The list exporters of the importable kinds and the runners of the preview and commit jobs.
        from . import exports, services  # noqa: F401
