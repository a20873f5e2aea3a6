from django.urls import path

from antrean.accounts import views

app_name = "accounts"
urlpatterns = [
    path("staf/masuk/kode/", views.verify, name="verify"),
    path("staf/keamanan/", views.overview, name="overview"),
    path("staf/keamanan/autentikator/", views.setup, name="setup"),
    path("staf/keamanan/kode-pemulihan/", views.recovery_codes, name="recovery_codes"),
    path(
        "staf/keamanan/kode-pemulihan/unduh/",
        views.recovery_codes_download,
        name="recovery_codes_download",
    ),
    path(
        "staf/keamanan/kode-pemulihan/baru/",
        views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("staf/keamanan/matikan/", views.disable, name="disable"),
    path("staf/akun-terkunci/", views.locked_accounts, name="locked_accounts"),
    path("staf/akun-terkunci/<int:user_id>/buka/", views.unlock, name="unlock"),
]
