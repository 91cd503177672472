"""Refuse to run in production with development defaults.

These are `Error`s, so `manage.py check --deploy`, `migrate`, `runserver` and `qcluster` all stop
before serving anything when production is misconfigured.
"""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=False)
def production_settings(app_configs, **kwargs):
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        errors.append(checks.Error("SECRET_KEY is the development default or too short.", id="junipeer.E001"))
    if settings.DEV_CREDENTIALS_KEY in settings.CREDENTIALS_KEYS:
        errors.append(checks.Error("CREDENTIALS_KEY is the development default.", id="junipeer.E002"))
    if settings.SANDBOX_ENABLED:
        errors.append(checks.Error("SANDBOX_ENABLED must be off in production.", id="junipeer.E003"))
    if settings.DEBUG:
        errors.append(checks.Error("DEBUG must be off in production.", id="junipeer.E004"))
    return errors
