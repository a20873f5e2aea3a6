from django.contrib.auth.views import LogoutView
from django.urls import path, reverse_lazy

from antrean.accounts.views import StaffLoginView
from antrean.queueing import views

app_name = "queueing"
urlpatterns = [
    path("staf/masuk/", StaffLoginView.as_view(), name="login"),
    path(
        "staf/keluar/",
        LogoutView.as_view(next_page=reverse_lazy("queueing:login")),
        name="logout",
    ),
    path("staf/audit/", views.audit, name="audit"),
    path(
        "staf/audit/<int:flag_id>/tanggapi/",
        views.audit_acknowledge,
        name="audit_acknowledge",
    ),
    path("loket/", views.counter_list, name="counters"),
    path("loket/<int:counter_id>/", views.console, name="console"),
    path("loket/<int:counter_id>/pakta/", views.pact, name="pact"),
    path("loket/<int:counter_id>/antrean/", views.queue_fragment, name="queue"),
    path("loket/<int:counter_id>/panggil/", views.call_next, name="call_next"),
    path("loket/<int:counter_id>/check-in/", views.check_in, name="check_in"),
    path("loket/<int:counter_id>/langsung/", views.walk_in, name="walk_in"),
    path(
        "loket/<int:counter_id>/tiket/<int:ticket_id>/<slug:move>/",
        views.ticket_move,
        name="move",
    ),
]
