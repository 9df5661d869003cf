from django.apps import AppConfig


class DebtsConfig(AppConfig):
    name = "debts"
    verbose_name = "债权债务"

    def ready(self):
        # The list exporters, and the runner of the letters job.
        from . import exports  # noqa: F401
        from .letters import jobs  # noqa: F401
