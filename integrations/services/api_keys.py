"""Partner API keys: made (the key shown once, only its hash kept), recognised, revoked.

The console and the API itself call these. A key reads `jp_<prefix>_<secret>`: the prefix is
stored in clear so a key seen in a log can be told apart; the whole key is stored as a SHA-256
hash (a 256-bit random secret needs no slow hash to resist guessing).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .. import audit
from ..models import ApiKey, Partner

KEY_PREFIX = "jp_"
LAST_USED_PRECISION = timedelta(minutes=1)  # one write per key and minute, not one per request


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    key: str  # the only time the full key exists outside its owner's hands


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(partner: Partner, *, name: str, scope: str = ApiKey.Scope.READ, expires_at: datetime | None = None,
          user) -> IssuedKey:
    """Make a key for `partner`; the answer carries the key itself, which is never shown again."""
    if scope not in ApiKey.Scope.values:
        raise ValueError(f"scope must be one of {', '.join(ApiKey.Scope.values)}")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("An expiry lies in the future.")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        api_key = ApiKey.objects.create(partner=partner, name=name.strip()[:100] or "API key", prefix=prefix,
                                        hashed_key=hash_key(key), scope=scope, expires_at=expires_at,
                                        created_by=user)
        audit.record(user, [api_key], f"Made API key {prefix}… ({api_key.get_scope_display()}) for {partner}.")
    return IssuedKey(api_key, key)


def authenticate(key: str) -> ApiKey | None:
    """The usable key `key` names (not revoked, not expired), or None; notes when it was last used."""
    if not key.startswith(KEY_PREFIX):
        return None
    api_key = ApiKey.objects.usable().select_related("partner", "created_by").filter(hashed_key=hash_key(key)).first()
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def revoke(api_key: ApiKey, *, user) -> bool:
    """Stop `api_key` working at once; False when it was already revoked."""
    revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        api_key.refresh_from_db(fields=["revoked_at"])
        audit.record(user, [api_key], f"Revoked API key {api_key.prefix}….")
    return bool(revoked)
