from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("contracts/documents/", views.documents_bundle, name="documents-bundle"),
    path("contracts/", views.ContractListView.as_view(), name="contract-list"),
    path("contracts/new/", views.ContractCreateView.as_view(), name="contract-create"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.ContractUpdateView.as_view(), name="contract-update"),
    path("contracts/<int:pk>/investigate/", views.contract_start_investigation, name="contract-investigate"),
    path("contracts/<int:pk>/investigation/", views.InvestigationView.as_view(), name="contract-investigation"),
    path("contracts/<int:pk>/measure/", views.MeasurementView.as_view(), name="contract-measure"),
    path("contracts/<int:pk>/determine/", views.DetermineView.as_view(), name="contract-determine"),
    path("contracts/<int:pk>/disposition/", views.DispositionChooseView.as_view(), name="contract-disposition"),
    path("contracts/<int:pk>/disposition/approve/", views.DispositionApproveView.as_view(),
         name="contract-approve"),
    path("contracts/<int:pk>/disposition/complete/", views.DispositionCompleteView.as_view(),
         name="contract-complete"),
    path("contracts/<int:pk>/schedule/", views.schedule_generate, name="contract-schedule"),
    path("contracts/<int:pk>/instalments/", views.instalment_add, name="instalment-add"),
    path("instalments/<int:pk>/pay/", views.instalment_pay, name="instalment-pay"),
    path("instalments/<int:pk>/delete/", views.instalment_delete, name="instalment-delete"),
    path("contracts/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("contracts/<int:pk>/determination.pdf", views.determination_pdf, name="determination-pdf"),
    path("contracts/<int:pk>/investigation.pdf", views.investigation_pdf, name="investigation-pdf"),
    path("pick/<str:what>/", views.pick, name="pick"),
    path("resolutions/", views.ResolutionListView.as_view(), name="resolution-list"),
    path("resolutions/new/", views.ResolutionCreateView.as_view(), name="resolution-create"),
    path("resolutions/<int:pk>/", views.ResolutionDetailView.as_view(), name="resolution-detail"),
    path("resolutions/<int:pk>/edit/", views.ResolutionUpdateView.as_view(), name="resolution-update"),
    path("resolutions/<int:pk>/evidence/", views.resolution_evidence_upload, name="resolution-evidence-upload"),
    path("evidence/<int:pk>/", views.resolution_evidence_download, name="resolution-evidence-download"),
    path("resolutions/<int:pk>/notice.pdf", views.resolution_notice_pdf, name="resolution-notice"),
    path("rules/", views.RuleSettingsView.as_view(), name="rule-settings"),
]
