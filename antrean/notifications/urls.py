from django.urls import path

from antrean.notifications import views

app_name = "notifications"
urlpatterns = [
    path("webhooks/whatsapp", views.whatsapp_webhook, name="webhook"),
    path("staf/kotak-pesan/", views.inbox, name="inbox"),
    path("staf/kotak-pesan/balas/", views.inbox_reply, name="inbox_reply"),
    path(
        "staf/kotak-pesan/<int:message_id>/piagam.pdf",
        views.inbox_certificate,
        name="inbox_certificate",
    ),
]
