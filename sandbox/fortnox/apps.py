from django.apps import AppConfig


class SandboxFortnoxConfig(AppConfig):
    name = "sandbox.fortnox"
    label = "sandbox_fortnox"
    verbose_name = "Sandbox: Fortnox"
