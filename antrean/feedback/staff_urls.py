from django.urls import path

from antrean.feedback import staff_views

app_name = "feedback_staff"
urlpatterns = [
    path("staf/ikm/", staff_views.ikm_page, name="ikm"),
    path("staf/ikm/laporan.pdf", staff_views.ikm_pdf, name="ikm_pdf"),
    path("staf/ikm/laporan.xlsx", staff_views.ikm_xlsx, name="ikm_xlsx"),
]
