from django.urls import path

from . import views

app_name = "ledgers"

urlpatterns = [
    path("ledgers/import/", views.ImportView.as_view(), name="import"),
    path("ledgers/imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("ledgers/imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("ledgers/imports/<int:pk>/mapping/", views.MappingView.as_view(), name="import-mapping"),
    path("ledgers/imports/<int:pk>/decide/", views.import_decide, name="import-decide"),
    path("ledgers/imports/<int:pk>/errors.xlsx", views.import_errors_download, name="import-errors"),
    path("ledgers/template.xlsx", views.template_download, name="template"),
]
