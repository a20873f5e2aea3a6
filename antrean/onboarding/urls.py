from django.urls import path

from antrean.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("staf/kantor/impor/", views.import_page, name="import"),
    path("staf/kantor/impor/terapkan/", views.import_apply, name="apply"),
    path("staf/kantor/templat.xlsx", views.template_download, name="template"),
    path("staf/kantor/ekspor/", views.office_download, name="export"),
]
