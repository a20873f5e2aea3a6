from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "antrean.api"
    label = "api"
    verbose_name = "API"
