from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Shop owners: accounts and onboarding"
    default_auto_field = "django.db.models.BigAutoField"
