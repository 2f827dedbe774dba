from django.apps import AppConfig


class RosteringConfig(AppConfig):
    name = "rostering"
    verbose_name = "Rostering"
