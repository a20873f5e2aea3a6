from django.urls import path, register_converter

from antrean.dashboards import views


class ExportFormat:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RegionCode:
    """Kemendagri codes: `51`, `51.03`."""

    regex = r"[0-9]{2}(?:\.[0-9]{2})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "export")
register_converter(RegionCode, "region")

app_name = "dashboards"
urlpatterns = [
    path("staf/dasbor/", views.home, name="home"),
    path("staf/dasbor/nasional/", views.nation_page, name="nation"),
    path(
        "staf/dasbor/nasional/<slug:slug>.<export:fmt>", views.nation_export, name="nation_export"
    ),
    path("staf/dasbor/wilayah/<region:code>/", views.region_page, name="region"),
    path(
        "staf/dasbor/wilayah/<region:code>/<slug:slug>.<export:fmt>",
        views.region_export,
        name="region_export",
    ),
    path("staf/dasbor/kantor/<slug:code>/", views.office_page, name="office"),
    path(
        "staf/dasbor/kantor/<slug:code>/<slug:slug>.<export:fmt>",
        views.office_export,
        name="office_export",
    ),
    path(
        "staf/dasbor/kantor/<slug:code>/laporan-bulanan/",
        views.monthly_report_request,
        name="monthly_report_request",
    ),
    path(
        "staf/dasbor/kantor/<slug:code>/laporan-bulanan/<str:month>.pdf",
        views.monthly_report_download,
        name="monthly_report",
    ),
]
