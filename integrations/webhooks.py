"""Inbound Centra webhooks (centra.md §5.1, §7.6): verify, store, acknowledge, ask for a run.

Centra's Webhook plugin POSTs one form field, `payload=<url-encoded JSON>`, whose events carry
ids only, signed `X-Centra-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

- The URL is `hooks/centra/<slug>/<token>/`: the token is a secret per integration, compared in
  constant time, so the slug alone (which shows in the console and in links) reaches nothing.
- Only a caller that proves itself is stored. A call with a wrong token, no or a bad signature, a
  body over the size limit, or over the integration's rate (WEBHOOK_RATE_LIMIT, answered 429 with
  Retry-After) is refused, counted per integration and reason (`WebhookRefusal`) and logged, and
  its body is kept nowhere: otherwise anyone who learns the URL could fill the database.
- Every signed call is stored before it is answered. Accepted events become RECEIVED rows,
  deduplicated by an id derived from type, id, action and date (Centra sends no event id, and
  redelivers). A signed call that is unparseable gets a 400 (never a 500) and one REJECTED row
  with the reason and the start of its raw body; none of it is processed.
- The view never runs a flow. It asks for a run of each flow its events concern, and at most one
  such run waits per flow: a one-slot window in the shared rate limiter, released when a run
  picks up the pending events. A flood of events therefore gives a handful of runs.
- Runs take their work from the store (`pending_records`) and close it (`mark_processed`).
  Reconciliation's catch-up asks for records through the same store (`request_records`).

Centra drops a webhook after a few failed retries, and a delivery can be lost on its way: webhooks
make runs prompt, and the scheduled runs stay on as the safety net that finds every change.
"""

import hashlib
import hmac
import json
import logging
import math
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import F, Min
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import audit
from .connectors.ratelimit import Limit, shared_limiter
from .models import Flow, Integration, SyncRun, WebhookEvent, WebhookRefusal
from .models.core import new_webhook_token
from .queue import enqueue_flow_on_commit

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Centra-Signature"
MAX_AGE_SECONDS = 300  # Centra's own sample code rejects older signatures
MAX_AHEAD_SECONDS = 60  # clock skew we tolerate the other way
MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS = 1000  # Centra sends at most its "max events per call" (100 by default)
MAX_FORM_FIELDS = 10
KEPT_RAW_BYTES = 4000
PENDING_RUN = Limit(1, 60.0)  # one queued webhook run per flow; expires if its task is lost
PENDING_LIMIT = 5000
HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
Refusal = WebhookRefusal.Reason

# Which flow an event type concerns.
EVENT_FLOWS = {
    "shipment": Flow.Kind.ORDERS,
    "order": Flow.Kind.ORDERS,
    "return": Flow.Kind.REFUNDS,
    "customer": Flow.Kind.CUSTOMERS,
}
# Event types whose id is the flow's source id. Others only say "something changed" (an order
# event's id is an order number, not a shipment): they ask for a run, whose own incremental pass
# fetches the change.
RECORD_TYPES = {Flow.Kind.ORDERS: "shipment", Flow.Kind.REFUNDS: "return", Flow.Kind.CUSTOMERS: "customer"}


class Rejected(Exception):
    """A call we refuse: the HTTP status to answer and the reason we give. `refusal` names the
    counter of a call refused before its signature was verified (whose body we do not keep)."""

    def __init__(self, status: int, reason: str, *, refusal: str = ""):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.refusal = refusal


@dataclass(frozen=True)
class CentraEvent:
    type: str
    id: int | str
    action: str
    date: str

    @property
    def object_id(self) -> str:
        return str(self.id)

    @property
    def event_id(self) -> str:
        """A redelivery of the same event has the same type, id, action and date, hence this id."""
        key = "\x1f".join((self.type, self.object_id, self.action, self.date))
        return hashlib.sha256(key.encode()).hexdigest()

    def as_payload(self) -> dict:
        return {"type": self.type, "id": self.id, "action": self.action, "date": self.date}


# --- reading and checking a call ------------------------------------------------------------


def read_body(request: HttpRequest) -> bytes:
    """The raw body, refused before it is read whole when it is over the size limit."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise Rejected(400, "Content-Length is not a number.", refusal=Refusal.TOO_LARGE) from exc
    if length > MAX_BODY_BYTES:
        raise Rejected(413, f"Body of {length} bytes is over the {MAX_BODY_BYTES} byte limit.",
                       refusal=Refusal.TOO_LARGE)
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise Rejected(413, "Body is over the upload size limit.", refusal=Refusal.TOO_LARGE) from exc


def verify_signature(secret: str, header: str | None, raw: bytes, now: float | None = None) -> None:
    """Check `t=<unix>,v1=<hex>` the way Centra signs: HMAC-SHA256 over "<t>.<raw body>"."""
    if not secret:
        raise Rejected(403, "No webhook secret is configured on this integration's Centra connection.",
                       refusal=Refusal.NO_SECRET)
    if not header:
        raise Rejected(401, f"Missing {SIGNATURE_HEADER} header.", refusal=Refusal.UNSIGNED)
    stamp, digests = _parse_signature(header)
    now = time.time() if now is None else now
    if int(stamp) < now - MAX_AGE_SECONDS:
        raise Rejected(401, f"Signature timestamp is more than {MAX_AGE_SECONDS} s old.",
                       refusal=Refusal.BAD_SIGNATURE)
    if int(stamp) > now + MAX_AHEAD_SECONDS:
        raise Rejected(401, f"Signature timestamp is more than {MAX_AHEAD_SECONDS} s in the future.",
                       refusal=Refusal.BAD_SIGNATURE)
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest().encode()
    if not any(hmac.compare_digest(expected, digest.lower().encode()) for digest in digests):
        raise Rejected(401, "Signature does not match the body.", refusal=Refusal.BAD_SIGNATURE)


def _parse_signature(header: str) -> tuple[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for part in header[:1000].split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise Rejected(400, f"Malformed {SIGNATURE_HEADER} header.", refusal=Refusal.BAD_SIGNATURE)
        fields.setdefault(name, []).append(value)
    stamps, digests = fields.get("t", []), fields.get("v1", [])
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit() and len(stamps[0]) <= 12):
        raise Rejected(400, f"{SIGNATURE_HEADER} needs one numeric t=.", refusal=Refusal.BAD_SIGNATURE)
    if not digests or not all(HEX_DIGEST.fullmatch(digest) for digest in digests):
        raise Rejected(400, f"{SIGNATURE_HEADER} needs v1= with a hex SHA-256 digest.", refusal=Refusal.BAD_SIGNATURE)
    return stamps[0], digests


def parse_events(raw: bytes) -> list[CentraEvent]:
    """The events of a `payload=<url-encoded JSON>` body; Rejected(400) for anything else."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, "Body is not UTF-8.") from exc
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict",
                           max_num_fields=MAX_FORM_FIELDS)
    except ValueError as exc:  # includes UnicodeDecodeError from percent-escapes
        raise Rejected(400, f"Body is not form-encoded: {str(exc)[:200]}") from exc
    payloads = [value for name, value in fields if name == "payload"]
    if len(payloads) != 1:
        raise Rejected(400, "Body needs exactly one payload field.")
    try:
        document = json.loads(payloads[0], parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Rejected(400, f"payload is not JSON: {str(exc)[:200]}") from exc
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list) or not events:
        raise Rejected(400, "payload needs a non-empty events list.")
    if len(events) > MAX_EVENTS:
        raise Rejected(400, f"payload holds {len(events)} events, more than {MAX_EVENTS}.")
    return [_event(index, item) for index, item in enumerate(events)]


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _event(index: int, item) -> CentraEvent:
    if not isinstance(item, dict):
        raise Rejected(400, f"events[{index}] is not an object.")
    object_id = item.get("id")
    if isinstance(object_id, bool) or not isinstance(object_id, int | str):
        raise Rejected(400, f"events[{index}].id must be a number or a string.")
    _check_text(index, "id", str(object_id), 64)
    return CentraEvent(
        type=_check_text(index, "type", item.get("type"), 32),
        id=object_id,
        action=_check_text(index, "action", item.get("action"), 32),
        date=_check_text(index, "date", item.get("date"), 64),
    )


def _check_text(index: int, name: str, value, max_length: int) -> str:
    """Short printable text: what ids and names are, and what the database stores safely."""
    if not isinstance(value, str) or not value or len(value) > max_length or not value.isprintable():
        raise Rejected(400, f"events[{index}].{name} must be printable text of 1 to {max_length} characters.")
    return value


# --- storing and asking for runs ------------------------------------------------------------


def _kept(raw: bytes) -> str:
    """The start of a raw body as storable text (undecodable bytes and NULs escaped)."""
    return raw[:KEPT_RAW_BYTES].decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def record_rejection(integration: Integration, rejection: Rejected, raw: bytes) -> None:
    """Keep a signed call we could not read, with the start of its body: Centra sent it, so it is
    evidence of a problem on either side and worth a look."""
    WebhookEvent.objects.create(
        integration=integration, event_id=f"rejected:{uuid.uuid4().hex}", status=WebhookEvent.Status.REJECTED,
        error=rejection.reason.replace("\x00", "\\x00"), raw_body=_kept(raw), signature_valid=True,
    )
    logger.warning("centra webhook for %s rejected (%s): %s", integration.slug, rejection.status, rejection.reason)


def count_refusal(integration: Integration, refusal: str, status: int, detail: str) -> None:
    """Count and log a call refused before it proved itself; its body is not kept anywhere."""
    detail = detail.replace("\x00", "\\x00")[:300]
    refusals = WebhookRefusal.objects.filter(integration=integration, reason=refusal)
    bump = {"count": F("count") + 1, "last_at": timezone.now(), "last_detail": detail}
    if not refusals.update(**bump):
        WebhookRefusal.objects.bulk_create([WebhookRefusal(integration=integration, reason=refusal)],
                                           ignore_conflicts=True)
        refusals.update(**bump)
    logger.warning("centra webhook for %s refused (%s, %s): %s; body not stored", integration.slug, status,
                   refusal, detail)


def store_events(integration: Integration, events: Iterable[CentraEvent]) -> list[CentraEvent]:
    """Store the events not seen before and return them. Redeliveries are stored once."""
    unique = {event.event_id: event for event in events}
    seen = set(
        WebhookEvent.objects.filter(integration=integration, event_id__in=list(unique))
        .values_list("event_id", flat=True)
    )
    fresh = [event for event_id, event in unique.items() if event_id not in seen]
    kinds = set(integration.flows.values_list("kind", flat=True))
    now = timezone.now()
    rows = []
    for event in fresh:
        row = WebhookEvent(
            integration=integration, event_id=event.event_id, object_type=event.type, object_id=event.object_id,
            action=event.action, payload=event.as_payload(), signature_valid=True,
        )
        if EVENT_FLOWS.get(event.type) not in kinds:  # nothing will ever pick it up: close it now
            row.status, row.processed_at = WebhookEvent.Status.PROCESSED, now
            row.error = f"No flow of this integration handles {event.type} events."
        rows.append(row)
    WebhookEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return fresh


def pending_run_key(flow: Flow) -> str:
    return f"webhook-run:flow:{flow.pk}"


def request_run(flow: Flow) -> bool:
    """Queue a webhook run of `flow` unless one is already waiting. True if one was queued."""
    if not shared_limiter().try_acquire(pending_run_key(flow), PENDING_RUN):
        return False
    enqueue_flow_on_commit(flow, SyncRun.Trigger.WEBHOOK)
    return True


def request_runs(integration: Integration, events: Iterable[CentraEvent]) -> int:
    """Ask for a run of every enabled flow the events concern (a live integration only)."""
    kinds = {EVENT_FLOWS[event.type] for event in events if event.type in EVENT_FLOWS}
    if not kinds or integration.status != Integration.Status.LIVE:
        return 0
    return sum(request_run(flow) for flow in integration.flows.filter(kind__in=kinds, enabled=True))


# --- the URL and its token --------------------------------------------------------------------


def webhook_path(integration: Integration) -> str:
    return reverse("integrations:centra-webhook", args=[integration.slug, integration.webhook_token])


def webhook_url(integration: Integration) -> str:
    """The address to give Centra's Webhook plugin (a secret: it carries the token)."""
    return f"{settings.SITE_URL}{webhook_path(integration)}"


def token_matches(integration: Integration, token: str) -> bool:
    """Constant time, so the token cannot be guessed one character at a time from response times."""
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), integration.webhook_token.encode())


def regenerate_token(integration: Integration, *, user=None) -> str:
    """A new token (when the URL leaked): the old URL is not found from now on. Returns the new URL."""
    integration.webhook_token = new_webhook_token()
    integration.save(update_fields=["webhook_token"])
    audit.record(user, [integration], "Regenerated the webhook URL token; the old webhook URL no longer works.")
    return webhook_url(integration)


def rate_limit() -> Limit:
    return Limit.parse(settings.WEBHOOK_RATE_LIMIT)


def rate_key(integration: Integration) -> str:
    return f"webhook-calls:integration:{integration.pk}"


# --- the endpoint ---------------------------------------------------------------------------


@csrf_exempt
@require_POST
def centra_webhook(request: HttpRequest, slug: str, token: str) -> JsonResponse:
    """POST /hooks/centra/<integration slug>/<token>/ — 202 once the events are stored, 4xx if refused.

    The token is checked before the rate, so a caller without it cannot use up the integration's
    rate; the rate is checked before the body is read, so a flood costs no parsing.
    """
    integration = get_object_or_404(
        Integration.objects.select_related("source"), slug=slug, source__kind="centra"
    )
    if not token_matches(integration, token):
        count_refusal(integration, Refusal.WRONG_TOKEN, 404, "The URL's token is not this integration's.")
        raise Http404("No such webhook.")
    wait = shared_limiter().take(rate_key(integration), rate_limit())
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        reason = f"Over the webhook rate of {settings.WEBHOOK_RATE_LIMIT} (requests/seconds); retry in {retry_after} s."
        count_refusal(integration, Refusal.THROTTLED, 429, reason)
        return JsonResponse({"error": reason}, status=429, headers={"Retry-After": str(retry_after)})
    raw, signed = b"", False
    try:
        raw = read_body(request)
        secret = integration.source.credentials.get("webhook_secret", "")
        verify_signature(secret, request.headers.get(SIGNATURE_HEADER), raw)
        signed = True
        events = parse_events(raw)
    except Rejected as rejection:
        if signed:
            record_rejection(integration, rejection, raw)
        else:
            count_refusal(integration, rejection.refusal or Refusal.BAD_SIGNATURE, rejection.status, rejection.reason)
        return JsonResponse({"error": rejection.reason}, status=rejection.status)
    fresh = store_events(integration, events)
    runs = request_runs(integration, fresh)
    return JsonResponse({"received": len(events), "new": len(fresh), "runs_requested": runs}, status=202)


# --- processing from the store --------------------------------------------------------------


def _received(flow: Flow):
    return WebhookEvent.objects.filter(integration_id=flow.integration_id, status=WebhookEvent.Status.RECEIVED)


def pending_records(flow: Flow, limit: int = PENDING_LIMIT) -> list[tuple[str, str]]:
    """(source_id, source_parent) of the objects received events ask `flow` to handle.

    One pair per object however many events named it, oldest first, at most `limit` (the rest
    stay for the next run). For the orders flow the source id is the shipment id and the parent
    is empty. Call it when a run starts: it first releases the flow's pending-run slot, so an
    event arriving from now on asks for another run; and it closes the events that only signal
    a change (order events), since this run's incremental pass fetches what they point at.
    """
    shared_limiter().reset(pending_run_key(flow))
    received = _received(flow)
    signals = [kind for kind, flow_kind in EVENT_FLOWS.items()
               if flow_kind == flow.kind and kind != RECORD_TYPES.get(flow.kind)]
    if signals:
        received.filter(object_type__in=signals).update(
            status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now()
        )
    record_type = RECORD_TYPES.get(flow.kind)
    if record_type is None:
        return []
    objects = (received.filter(object_type=record_type).values("object_id")
               .annotate(first=Min("id")).order_by("first")[:limit])
    return [(row["object_id"], "") for row in objects]


def mark_processed(flow: Flow, source_ids: Iterable[str], failed: Mapping[str, str] | None = None, *,
                   received_before: datetime | None = None) -> int:
    """Close the received events of these objects: PROCESSED, or FAILED with the error given in
    `failed` (source id -> why it could not be fetched). Returns the number of events closed.

    Pass the run's `started_at` as `received_before`: an event that arrived after the run began
    may describe a change the run did not see, so it stays pending for the next run.
    """
    events = _received(flow).filter(object_type=RECORD_TYPES.get(flow.kind, ""))
    if received_before is not None:
        events = events.filter(received_at__lte=received_before)
    failed = dict(failed or {})
    done = sorted({str(source_id) for source_id in source_ids} - set(failed))
    now = timezone.now()
    closed = 0
    for start in range(0, len(done), 500):
        closed += events.filter(object_id__in=done[start:start + 500]).update(
            status=WebhookEvent.Status.PROCESSED, processed_at=now, error=""
        )
    for source_id, error in failed.items():
        closed += events.filter(object_id=str(source_id)).update(
            status=WebhookEvent.Status.FAILED, processed_at=now, error=str(error)[:2000]
        )
    return closed


# --- records asked for by others ------------------------------------------------------------

REQUESTED = "requested"  # the action of a stored request (not a webhook: nothing was signed)


def request_records(flow: Flow, source_ids: Iterable[str], *, requested_by: str, note: dict | None = None) -> int:
    """Ask `flow` to handle these records on its next run, through the inbox webhooks use.

    Reconciliation's catch-up asks this for shipments with no invoice and returns with no credit
    invoice. Each request is stored as a RECEIVED event of the flow's record type, so the runner
    takes it with `pending_records`, fetches the record again by id, pushes it exactly once (its
    link and reference are checked first) and closes it with `mark_processed`, as for a webhook.
    Asking twice under the same `requested_by` stores one request. Returns the number stored.
    """
    record_type = RECORD_TYPES.get(flow.kind)
    if record_type is None:
        raise ValueError(f"{flow.kind} flows take no records by id")
    rows = {
        f"{requested_by}:{record_type}:{source_id}": WebhookEvent(
            integration_id=flow.integration_id, event_id=f"{requested_by}:{record_type}:{source_id}",
            object_type=record_type, object_id=str(source_id), action=REQUESTED,
            payload={"requested_by": requested_by, "id": str(source_id), **(note or {})},
        )
        for source_id in source_ids
    }
    seen = set(
        WebhookEvent.objects.filter(integration_id=flow.integration_id, event_id__in=list(rows))
        .values_list("event_id", flat=True)
    )
    fresh = [row for event_id, row in rows.items() if event_id not in seen]
    WebhookEvent.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
    return len(fresh)


def requests_pending(flow: Flow, requested_by: str) -> int:
    """How many of the records asked for under `requested_by` the flow has not handled yet."""
    return _received(flow).filter(object_type=RECORD_TYPES.get(flow.kind, ""),
                                  event_id__startswith=f"{requested_by}:").count()
