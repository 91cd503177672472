import os

from django.core.asgi import get_asgi_application

from junipeer.checks import refuse_to_serve_misconfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junipeer.settings")
application = get_asgi_application()
refuse_to_serve_misconfigured()
