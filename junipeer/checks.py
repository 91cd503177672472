"""Refuse to run in production with development defaults.

These are `Error`s, so `manage.py check --deploy`, `migrate`, `runserver` and `qcluster` stop
before doing anything when production is misconfigured, and so does the WSGI application
(gunicorn), which runs no management command: see `refuse_to_serve_misconfigured`.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=False)
def production_settings(app_configs, **kwargs):
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(checks.Error(
            "SECRET_KEY is the development default or shorter than 50 characters.",
            hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="junipeer.E001",
        ))
    if settings.DEV_CREDENTIALS_KEY in settings.CREDENTIALS_KEYS:
        errors.append(checks.Error(
            "CREDENTIALS_KEY is the development default.",
            hint="Generate one: python -c 'from cryptography.fernet import Fernet; "
                 "print(Fernet.generate_key().decode())'",
            id="junipeer.E002",
        ))
    if settings.SANDBOX_ENABLED:
        errors.append(checks.Error("SANDBOX_ENABLED must be off in production.", id="junipeer.E003"))
    if settings.DEBUG:
        errors.append(checks.Error("DEBUG must be off in production.", id="junipeer.E004"))
    if not settings.SITE_URL.startswith("https://"):
        errors.append(checks.Error(
            f"SITE_URL is {settings.SITE_URL!r}; production is served over HTTPS only.",
            hint="Set SITE_URL to the public https:// address (OAuth callbacks and alert links use it).",
            id="junipeer.E005",
        ))
    return errors


def refuse_to_serve_misconfigured() -> None:
    """Raise at start-up of the web application (gunicorn's workers then fail to boot)."""
    errors = production_settings(None)
    if errors:
        raise ImproperlyConfigured("Refusing to serve: " + " ".join(f"{e.id}: {e.msg}" for e in errors))
