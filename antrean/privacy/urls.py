from django.urls import path

from antrean.privacy import views

app_name = "privacy"
urlpatterns = [
    path("antrean/data-saya/", views.my_data, name="my_data"),
    path("antrean/data-saya/hasil/", views.my_data_result, name="my_data_result"),
    path("antrean/data-saya/data-saya.json", views.my_data_json, name="my_data_json"),
    path("antrean/data-saya/piagam.pdf", views.my_data_certificate, name="my_data_certificate"),
    path("antrean/data-saya/selesai/", views.my_data_done, name="my_data_done"),
]
