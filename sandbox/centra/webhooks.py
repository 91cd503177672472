"""The Centra Webhook plugin, Integration API version (centra.md §5.1, §7.6).

Deliveries happen after the transaction commits, synchronously, with a short timeout and up to
`Store.webhook_retries` retries. A failed delivery is logged and dropped, as Centra does; it must
never break the mutation that triggered it.
"""

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote_plus

import requests
from django.db import transaction
from django.utils import timezone

from .models import Store

logger = logging.getLogger(__name__)


def sign(secret: str, timestamp: int, raw_body: str) -> str:
    """The X-Centra-Signature header value for a body."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{raw_body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def encode_body(events: list[dict]) -> str:
    """A single form field `payload` holding the url-encoded JSON."""
    return "payload=" + quote_plus(json.dumps({"events": events}, separators=(",", ":")))


def deliver(store: Store, events: list[dict]) -> bool:
    """POST the events now; True once an attempt got a 2xx."""
    body = encode_body(events)
    for attempt in range(1 + store.webhook_retries):
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Centra-Signature": sign(store.webhook_secret, timestamp, body),
        }
        try:
            response = requests.post(store.webhook_url, data=body, headers=headers, timeout=store.webhook_timeout)
        except requests.RequestException as exc:
            logger.warning("centra webhook to %s failed (attempt %d): %s", store.webhook_url, attempt + 1, exc)
            continue
        if 200 <= response.status_code < 300:
            return True
        logger.warning(
            "centra webhook to %s got HTTP %s (attempt %d)", store.webhook_url, response.status_code, attempt + 1
        )
    logger.error("centra webhook to %s dropped after %d attempts: %s", store.webhook_url, attempt + 1, events)
    return False


def notify(store: Store, object_type: str, action: str, object_id: int) -> None:
    """Send one event once the current transaction commits; nothing when no URL is configured."""
    if not store.webhook_url:
        return
    event = {
        "type": object_type,
        "action": action,
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S.%f"),
        "id": object_id,
    }
    transaction.on_commit(lambda: deliver(store, [event]))
