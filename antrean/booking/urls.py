import datetime as dt

from django.urls import path, register_converter

from antrean.booking import views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # ValueError (e.g. 2026-02-30) means no match

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()


register_converter(IsoDateConverter, "isodate")

app_name = "booking"
urlpatterns = [
    path("", views.office_list, name="office_list"),
    path("kantor/<slug:office_code>/", views.office_detail, name="office"),
    path(
        "kantor/<slug:office_code>/layanan/<int:service_id>/",
        views.service_detail,
        name="service",
    ),
    path(
        "kantor/<slug:office_code>/layanan/<int:service_id>/<isodate:day>/",
        views.service_day,
        name="day",
    ),
    path(
        "kantor/<slug:office_code>/jadwal/<int:slot_id>/data-diri/",
        views.identity,
        name="identity",
    ),
    path("kantor/<slug:office_code>/jadwal/<int:slot_id>/pakta/", views.pact, name="pact"),
    path("antrean/<str:code>/", views.booking_detail, name="booking"),
    path("antrean/tahan/<str:code>/", views.hold, name="hold"),
    path("antrean/<str:code>/batal/", views.booking_cancel_view, name="cancel"),
    path("antrean/<str:code>/piagam.pdf", views.booking_certificate, name="certificate"),
]
