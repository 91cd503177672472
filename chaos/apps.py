from django.apps import AppConfig


class ChaosConfig(AppConfig):
    """The fault-injection harness (`manage.py chaos`): development and test only, like the sandbox."""

    name = "chaos"
    verbose_name = "Fault injection"
