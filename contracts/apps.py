from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "合同"

    def ready(self):
        from . import exports  # noqa: F401  (registers the list exporters)
