from django.urls import path

from antrean.stats import views

app_name = "transparency"
urlpatterns = [
    path("transparansi/", views.transparency_index, name="index"),
    path("transparansi/<slug:office_code>/", views.transparency_office, name="office"),
]
