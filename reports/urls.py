from django.urls import path

from . import help, views
from .warnings import WARNINGS

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("reports/province/<int:pk>/", views.ProvinceView.as_view(), name="province"),
    path("reports/county/<int:pk>/", views.CountyView.as_view(), name="county"),
    path("reports/township/<int:pk>/", views.TownshipView.as_view(), name="township"),
    path("reports/village/<int:pk>/", views.VillageView.as_view(), name="village"),
    path("reports/village/<int:pk>/summary/", views.village_summary, name="village-summary"),
    path("reports/progress-data/<str:level>/<int:pk>/", views.progress_data, name="progress-data"),
    path("reports/warnings/", views.WarningsView.as_view(), name="warnings"),
    *[path(f"reports/warnings/{key}/", views.WarningListView.as_view(), {"key": key}, name=f"warning-{key}")
      for key in WARNINGS],
    path("reports/risk/", views.RiskListView.as_view(), name="risk-list"),
    path("reports/risk/village/<int:pk>/", views.RiskVillageView.as_view(), name="risk-village"),
    path("reports/risk/village/<int:pk>/plan/", views.RiskCaseCreateView.as_view(), name="risk-case-create"),
    path("reports/risk/village/<int:pk>/relatives/", views.cadre_relative_add, name="relative-add"),
    path("reports/risk/relatives/<int:pk>/remove/", views.cadre_relative_remove, name="relative-remove"),
    path("reports/risk/cases/<int:pk>/", views.RiskCaseView.as_view(), name="risk-case"),
    path("reports/risk/cases/<int:pk>/tasks/", views.risk_task_add, name="risk-task-add"),
    path("reports/risk/cases/<int:pk>/review/", views.risk_case_review, name="risk-case-review"),
    path("reports/risk/tasks/<int:pk>/done/", views.risk_task_done, name="risk-task-done"),
    path("reports/settings/", views.SettingsView.as_view(), name="settings"),
    path("help/", help.HelpView.as_view(), name="help"),
    path("reports/income/", views.IncomeListView.as_view(), name="income-list"),
    path("reports/income/new/", views.IncomeCreateView.as_view(), name="income-create"),
    path("reports/income/<int:pk>/delete/", views.income_delete, name="income-delete"),
    path("reports/progress/", views.ProgressReportView.as_view(), name="progress"),
    path("todo/", views.TodoView.as_view(), name="todo"),
    path("todo/badge/", views.todo_badge, name="todo-badge"),
    path("search/", views.SearchView.as_view(), name="search"),
]
