from django.urls import path

from antrean.booking.urls import IsoDateConverter  # noqa: F401 (registers "isodate")
from antrean.draws import views

app_name = "draws"
urlpatterns = [
    path(
        "kantor/<slug:office_code>/layanan/<int:service_id>/<isodate:day>/undian/",
        views.enter,
        name="enter",
    ),
    path("undian/permintaan/<str:code>/", views.entry, name="entry"),
    path("undian/<int:draw_id>/", views.public, name="public"),
]
