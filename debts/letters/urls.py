from django.urls import path

from . import views

app_name = "letters"

urlpatterns = [
    path("letters/", views.LetterListView.as_view(), name="letter-list"),
    path("letters/batch/", views.LetterBatchView.as_view(), name="letter-batch"),
    path("letters/batch/<int:job>/void/", views.letters_void_batch, name="batch-void"),
    path("letters/desk/", views.ReceiptDeskView.as_view(), name="receipt-desk"),
    path("letters/desk/<int:pk>/deliver/", views.desk_deliver, name="desk-deliver"),
    path("letters/desk/<int:pk>/answer/", views.desk_answer, name="desk-answer"),
    path("letters/disputes/", views.DisputeListView.as_view(), name="dispute-list"),
    path("letters/disputes/<int:pk>/close/", views.DisputeCloseView.as_view(), name="dispute-close"),
    path("letters/<int:pk>/", views.LetterDetailView.as_view(), name="letter-detail"),
    path("letters/<int:pk>/pdf/", views.letter_pdf, name="letter-pdf"),
    path("letters/<int:pk>/photo/", views.letter_photo, name="letter-photo"),
    path("letters/<int:pk>/deliver/", views.LetterDeliverView.as_view(), name="letter-deliver"),
    path("letters/<int:pk>/answer/", views.LetterAnswerView.as_view(), name="letter-answer"),
    path("letters/<int:pk>/answer/undo/", views.letter_answer_undo, name="answer-undo"),
    path("letters/<int:pk>/void/", views.LetterVoidView.as_view(), name="letter-void"),
    path("claims/<int:pk>/letter/", views.claim_letter, name="claim-letter"),
]
