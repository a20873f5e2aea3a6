from django.urls import path

from antrean.display import kiosk_views as views

app_name = "kiosk"
urlpatterns = [
    path("kiosk/<slug:office_code>/", views.home, name="home"),
    path("kiosk/<slug:office_code>/ambil/", views.agencies, name="agencies"),
    path(
        "kiosk/<slug:office_code>/ambil/<int:agency_id>/",
        views.agency_services,
        name="services",
    ),
    path(
        "kiosk/<slug:office_code>/layanan/<int:service_id>/pakta/",
        views.pact,
        name="pact",
    ),
    path(
        "kiosk/<slug:office_code>/layanan/<int:service_id>/nama/",
        views.identity,
        name="identity",
    ),
    path("kiosk/<slug:office_code>/pratinjau/", views.preview, name="preview"),
    path("kiosk/<slug:office_code>/tiket/<str:code>/", views.ticket, name="ticket"),
    path(
        "kiosk/<slug:office_code>/tiket/<str:code>/cetak.pdf",
        views.ticket_pdf,
        name="ticket_pdf",
    ),
    path("kiosk/<slug:office_code>/check-in/", views.check_in, name="check_in"),
]
