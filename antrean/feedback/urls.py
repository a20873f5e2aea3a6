from django.urls import path

from antrean.feedback import views

app_name = "feedback"
urlpatterns = [
    path("survei/<str:token>/", views.survey, name="survey"),
    path("kiosk/<slug:office_code>/survei/", views.kiosk_start, name="kiosk_start"),
    path("kiosk/<slug:office_code>/survei/isi/", views.kiosk_form, name="kiosk_form"),
    path("loket/<int:counter_id>/tablet/", views.counter_tablet, name="tablet"),
]
