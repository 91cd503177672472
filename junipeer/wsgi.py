"""The WSGI application gunicorn serves (deploy/gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

from junipeer.checks import refuse_to_serve_misconfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junipeer.settings")
application = get_wsgi_application()
refuse_to_serve_misconfigured()
