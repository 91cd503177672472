from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from . import connectors  # noqa: F401  (each connector registers its descriptor)
        from .queue import ensure_schedules
        from .services import partner_webhooks  # noqa: F401  (its receivers turn engine events into deliveries)

        post_migrate.connect(ensure_schedules, sender=self)
