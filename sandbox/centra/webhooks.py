"""The Centra Webhook plugin, Integration API version (centra.md §5.1, §7.6).

Deliveries happen after the transaction commits, synchronously. Each attempt has the store's
timeout; retries are off unless the store sets `webhook_retries` (at most 3), with a doubling
delay between attempts; then the webhook is dropped, as Centra does, and recorded as DROPPED.
A failed delivery never breaks the mutation that triggered it.
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

from .models import Store, WebhookDelivery

logger = logging.getLogger(__name__)


def sign(secret: str, timestamp: int, raw_body: str) -> str:
    """The X-Centra-Signature header value for a body."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{raw_body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def encode_body(events: list[dict]) -> str:
    """A single form field `payload` holding the url-encoded JSON."""
    return "payload=" + quote_plus(json.dumps({"events": events}, separators=(",", ":")))


def retry_delays(store: Store) -> list[float]:
    """Seconds to wait before each retry: the store's base delay, doubled each time (1, 2, 4 s by default)."""
    return [store.webhook_retry_delay * 2**retry for retry in range(store.webhook_retries)]


def _attempt(store: Store, body: str) -> dict:
    """POST once; the outcome as {"at", "status", "error"} (status None when nothing came back)."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Centra-Signature": sign(store.webhook_secret, timestamp, body),
    }
    outcome = {"at": timezone.now().isoformat(), "status": None, "error": ""}
    try:
        response = requests.post(store.webhook_url, data=body, headers=headers, timeout=store.webhook_timeout)
    except requests.RequestException as exc:
        outcome["error"] = str(exc) or type(exc).__name__
        return outcome
    outcome["status"] = response.status_code
    if not 200 <= response.status_code < 300:
        outcome["error"] = f"HTTP {response.status_code}"
    return outcome


def deliver(store: Store, events: list[dict]) -> WebhookDelivery:
    """POST the events now, retrying as the store is configured; the delivery says how it ended."""
    body = encode_body(events)
    delivery = WebhookDelivery.objects.create(store=store, url=store.webhook_url, events=events)
    delays = [0.0, *retry_delays(store)]
    for number, delay in enumerate(delays, start=1):
        if delay:
            time.sleep(delay)
        outcome = _attempt(store, body)
        delivery.attempts.append(outcome)
        if not outcome["error"]:
            delivery.status = WebhookDelivery.Status.DELIVERED
            break
        logger.warning("centra webhook to %s failed (attempt %d of %d): %s", store.webhook_url, number,
                       len(delays), outcome["error"])
    else:
        delivery.status = WebhookDelivery.Status.DROPPED
        logger.error("centra webhook to %s dropped after %d attempts: %s", store.webhook_url, len(delays), events)
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=["attempts", "status", "finished_at"])
    return delivery


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
