from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "统计报表"

    def ready(self):
        # The progress report's job runner; the work of contracts, letters and claims on the to-do page.
        from . import progress, todo  # noqa: F401
