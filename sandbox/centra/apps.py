from django.apps import AppConfig


class SandboxCentraConfig(AppConfig):
    name = "sandbox.centra"
    label = "sandbox_centra"
    verbose_name = "Sandbox: Centra"
