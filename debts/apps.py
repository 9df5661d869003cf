from django.apps import AppConfig


class DebtsConfig(AppConfig):
    name = "debts"
    verbose_name = "债权债务"
