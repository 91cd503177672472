from django.apps import AppConfig


class JunipeerConfig(AppConfig):
    name = "junipeer"
    verbose_name = "Junipeer"

    def ready(self):
        from . import checks  # noqa: F401  (registers the production checks)
