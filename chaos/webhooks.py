"""A webhook flood for one shop: thousands of signed Centra events, and deliveries sent twice.

Calls are signed and encoded exactly as Centra's Webhook plugin does (the sandbox's own
`sign`/`encode_body`). Every event is distinct (its date is unique), so the endpoint should store
each once; every fourth call is then redelivered byte for byte, as Centra does after a timeout,
and those must be stored zero more times.
"""

from collections import Counter
from datetime import datetime
from importlib.util import find_spec
from random import Random

import requests
from django.urls import NoReverseMatch, Resolver404, resolve

from integrations.models import Integration
from sandbox.centra.webhooks import encode_body, sign

PER_CALL = 50
REDELIVER_EVERY = 4  # every 4th call is delivered twice, as Centra does after a timed-out delivery
TIMEOUT_SECONDS = 10


def webhook_path(slug: str) -> str:
    """The integration's webhook path, with its secret token, as the console shows it."""
    from integrations.webhooks import webhook_path as path_of

    return path_of(Integration.objects.get(slug=slug))


def endpoint_missing(slug: str) -> str | None:
    """Why the webhook endpoint cannot be flooded, or None when it can.

    Checked in this process, which runs the same code and URLconf as the server.
    """
    if find_spec("integrations.webhooks") is None:
        return "integrations/webhooks.py does not exist"
    try:
        path = webhook_path(slug)
        resolve(path)
    except (NoReverseMatch, Resolver404):
        return (f"POST /hooks/centra/{slug}/<token>/ is not routed "
                "(the site's URLconf does not include integrations.urls)")
    return None


class Flood:
    """Sends `total` distinct events in calls of PER_CALL, a few calls per tick, some of them twice."""

    def __init__(self, site_url: str, slug: str, secret: str, total: int, rng: Random):
        self.url = f"{site_url}{webhook_path(slug)}"
        self.secret = secret
        self.total = total
        self.rng = rng
        self.sent_events = 0
        self.made = 0  # events built so far: makes every event's date unique
        self.redelivered_events = 0
        self.calls = 0  # HTTP calls, redeliveries included
        self.deliveries = 0  # distinct calls
        self.statuses: Counter = Counter()
        self.stored_new = 0  # what the endpoint says it stored, summed over calls
        self.refused = ""  # the first refusal, word for word

    @property
    def done(self) -> bool:
        return self.sent_events >= self.total

    def tick(self, shipment_ids: list[int], calls: int) -> None:
        """Send up to `calls` calls about the given shipments (every REDELIVER_EVERY-th one twice)."""
        for _ in range(calls):
            if self.done or not shipment_ids:
                return
            size = min(PER_CALL, self.total - self.sent_events)
            body = encode_body([self._event(shipment_ids) for _ in range(size)])
            self.sent_events += size
            self.deliveries += 1
            self._post(body)
            if self.deliveries % REDELIVER_EVERY == 1:
                self.redelivered_events += size
                self._post(body)

    def _event(self, shipment_ids: list[int]) -> dict:
        # A unique date per event: Centra sends no event id, the endpoint tells events apart by it.
        self.made += 1
        date = f"{datetime.now():%Y-%m-%d %H:%M:%S}.{self.made % 1_000_000:06d}"
        return {"type": "shipment", "action": self.rng.choice(("create", "update")), "date": date,
                "id": self.rng.choice(shipment_ids)}

    def _post(self, body: str) -> None:
        self.calls += 1
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Centra-Signature": sign(self.secret, int(datetime.now().timestamp()), body)}
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            self.statuses[type(exc).__name__] += 1
            return
        self.statuses[response.status_code] += 1
        if response.status_code == 202:
            self.stored_new += int((response.json() or {}).get("new", 0))
        elif not self.refused:
            self.refused = f"HTTP {response.status_code}: {response.text[:200]}"

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items(), key=str))
        text = (f"{self.sent_events} events in {self.calls} calls ({self.redelivered_events} events redelivered; "
                f"answers {statuses or 'none'}); endpoint stored {self.stored_new} as new")
        if self.refused:
            text += f"; first refusal {self.refused}"
        return text
