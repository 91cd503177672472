"""Redoc served from the app alone. drf-spectacular-sidecar ships Redoc's bundle, but the bundle
hard-codes one outside image (Redocly's footer logo, on cdn.redoc.ly) that no Redoc setting turns
off (`hideLoading` and the others leave it). The app serves the bundle with that address replaced by
an inline blank image, so the page asks no other host for anything, and a browser's policy has
nothing to refuse."""

from functools import lru_cache
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularRedocView

SIDECAR_BUNDLE = (Path(drf_spectacular_sidecar.__file__).parent
                  / "static" / "drf_spectacular_sidecar" / "redoc" / "bundles" / "redoc.standalone.js")
OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


@lru_cache(maxsize=1)
def redoc_bundle() -> bytes:
    """The sidecar's bundle with its outside logo made an inline blank (read once per process)."""
    return SIDECAR_BUNDLE.read_text(encoding="utf-8").replace(OUTSIDE_LOGO, BLANK_IMAGE).encode()


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def redoc_script(request):
    return HttpResponse(redoc_bundle(), content_type="text/javascript; charset=utf-8")


class RedocView(SpectacularRedocView):
    """drf-spectacular's Redoc page, loading the app's own bundle (`redoc_script`)."""

    def _redoc_standalone(self):
        return reverse("redoc-bundle")
