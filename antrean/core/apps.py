from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "antrean.core"
    label = "core"
    verbose_name = "Inti"
