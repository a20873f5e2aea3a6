from django.urls import path

from antrean.integrity import views

app_name = "integrity"
urlpatterns = [
    path("v/", views.verify, name="verify_upload"),
    path("v/<str:code>", views.verify, name="verify"),
]
