from django.urls import path

from antrean.display import views

app_name = "display"
urlpatterns = [
    path("display/<slug:office_code>/", views.board, name="board"),
    path("display/<slug:office_code>/state.json", views.board_state, name="board_state"),
    path("antrean/<str:code>/status/", views.status, name="status"),
    path("antrean/<str:code>/status.json", views.status_state, name="status_state"),
]
