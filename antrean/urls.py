from django.contrib import admin
from django.urls import include, path

from antrean.api.api import api

urlpatterns = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("antrean.accounts.urls")),
    path("", include("antrean.integrity.urls")),
    path("", include("antrean.notifications.urls")),
    path("", include("antrean.queueing.urls")),
    path("", include("antrean.feedback.staff_urls")),
    path("", include("antrean.dashboards.urls")),
    path("", include("antrean.onboarding.urls")),
    path("", include("antrean.display.urls")),
    path("", include("antrean.display.kiosk_urls")),
    path("", include("antrean.feedback.urls")),
    path("", include("antrean.privacy.urls")),  # before booking's antrean/<code>/
    path("", include("antrean.reports.urls")),  # before booking's antrean/<code>/
    path("", include("antrean.stats.urls")),
    path("", include("antrean.draws.urls")),
    path("", include("antrean.booking.urls")),
]

# The site's own error pages (antrean.core.views); under /api/ they answer in JSON.
handler400 = "antrean.core.views.bad_request"
handler403 = "antrean.core.views.permission_denied"
handler404 = "antrean.core.views.page_not_found"
handler500 = "antrean.core.views.server_error"
