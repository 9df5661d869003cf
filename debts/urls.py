from django.urls import path

from . import views
from .receipts import views as receipts

app_name = "debts"

urlpatterns = [
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/new/", views.ClaimCreateView.as_view(), name="claim-create"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<int:pk>/edit/", views.ClaimUpdateView.as_view(), name="claim-update"),
    path("claims/<int:pk>/entries/new/", views.ClaimEntryView.as_view(), name="claim-entry"),
    path("claims/<int:pk>/discount/", views.claim_discount_settle, name="claim-discount"),
    path("claims/<int:pk>/seal/", views.ClaimSealView.as_view(), name="claim-seal"),
    path("claims/<int:pk>/unseal/", views.ClaimUnsealView.as_view(), name="claim-unseal"),
    path("claims/<int:pk>/collector/", views.ClaimCollectorView.as_view(), name="claim-collector"),
    path("claims/collector/", views.ClaimsCollectorView.as_view(), name="claims-collector"),
    path("claims/<int:pk>/events/new/", views.ClaimEventView.as_view(), name="claim-event"),
    path("claims/<int:pk>/mediation/new/", views.MediationCreateView.as_view(), name="mediation-create"),
    path("claims/<int:pk>/legal/new/", views.LegalActionCreateView.as_view(), name="legal-create"),
    path("legal/<int:pk>/close/", views.LegalActionCloseView.as_view(), name="legal-close"),
    path("entries/<int:pk>/reverse/", views.EntryReverseView.as_view(), name="entry-reverse"),
    path("entries/<int:pk>/receipt/", receipts.entry_receipt, name="entry-receipt"),
    path("receipts/<int:pk>/", receipts.receipt_view, name="receipt-view"),
    path("contracts/<int:pk>/claims/", views.claims_from_contract, name="claims-from-contract"),
    path("resolutions/<int:pk>/covers/", views.resolution_cover_add, name="resolution-cover-add"),
    path("covers/<int:pk>/remove/", views.resolution_cover_remove, name="resolution-cover-remove"),
    path("resolutions/<int:pk>/discount-rules/", views.discount_rule_add, name="discount-rule-add"),
    path("discount-rules/<int:pk>/remove/", views.discount_rule_remove, name="discount-rule-remove"),
    path("debts/", views.DebtListView.as_view(), name="debt-list"),
    path("debts/new/", views.DebtCreateView.as_view(), name="debt-create"),
    path("debts/<int:pk>/", views.DebtDetailView.as_view(), name="debt-detail"),
    path("debts/<int:pk>/edit/", views.DebtUpdateView.as_view(), name="debt-update"),
    path("debts/<int:pk>/entries/new/", views.DebtEntryView.as_view(), name="debt-entry"),
    path("debts/<int:pk>/offset/", views.DebtOffsetView.as_view(), name="debt-offset"),
    path("mediation/", views.MediationListView.as_view(), name="mediation-list"),
    path("mediation/<int:pk>/", views.MediationDetailView.as_view(), name="mediation-detail"),
    path("reports/aging/", views.AgingReportView.as_view(), name="aging-report"),
    path("reports/aging.xlsx", views.aging_report_xlsx, name="aging-report-xlsx"),
]
