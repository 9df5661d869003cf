from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("status/", views.StatusView.as_view(), name="status"),
    path("jobs/", views.JobListView.as_view(), name="job-list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/files/<int:index>/", views.job_file, name="job-file"),
    path("jobs/<int:pk>/restart/", views.job_restart_view, name="job-restart"),
    path("csrf-token/", views.csrf_token, name="csrf-token"),
]
