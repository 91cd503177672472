"""Per-key throttling, shared by every web worker (Redis, else the database): over API_RATE_LIMIT
a key gets 429 with Retry-After. Callers without a key (token or session users) are counted per user."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from ..connectors.ratelimit import Limit, shared_limiter
from ..models import ApiKey


class PerKeyThrottle(BaseThrottle):
    def allow_request(self, request, view):
        if isinstance(request.auth, ApiKey):
            key = f"api:key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            key = f"api:user:{request.user.pk}"
        else:
            key = f"api:anonymous:{self.get_ident(request)}"
        self._wait = shared_limiter().take(key, Limit.parse(settings.API_RATE_LIMIT))
        return self._wait <= 0

    def wait(self):
        return max(1.0, self._wait)
