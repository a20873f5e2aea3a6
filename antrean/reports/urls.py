from django.urls import path

from antrean.reports import views

app_name = "reports"
urlpatterns = [
    path("lapor/", views.report_new, name="new"),
    path("lapor/lacak/", views.report_track, name="track"),
    path("lapor/terkirim/", views.report_receipt, name="receipt"),
    path("antrean/<str:code>/lapor/", views.report_from_booking, name="from_booking"),
    path("survei/<str:token>/lapor/", views.report_from_survey, name="from_survey"),
    path("inspektorat/laporan/", views.inspectorate_list, name="inspectorate_list"),
    path(
        "inspektorat/laporan/<str:tracking_code>/",
        views.inspectorate_detail,
        name="inspectorate_detail",
    ),
    path(
        "inspektorat/laporan/<str:tracking_code>/lampiran/<int:attachment_id>/",
        views.inspectorate_attachment,
        name="inspectorate_attachment",
    ),
    path(
        "inspektorat/laporan/<str:tracking_code>/ekspor.json",
        views.inspectorate_export,
        name="inspectorate_export",
    ),
]
