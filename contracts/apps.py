from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "合同"

    def ready(self):
        from . import bundles, exports  # noqa: F401  (register the list exporters and the documents job)
