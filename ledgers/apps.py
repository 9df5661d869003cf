from django.apps import AppConfig


class LedgersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ledgers"
    verbose_name = "台账导入导出"

    def ready(self):
        # The list exporters of the importable kinds, the runners of the preview and commit jobs, and the
        # uploads waiting for a decision on the to-do page.
        from . import exports, services, todo  # noqa: F401
