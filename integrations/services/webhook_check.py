"""The webhook a shop pastes into Centra: its URL and signing secret, and whether Centra's test
call arrived and proved itself (Get Started's last step and the owners' settings)."""

import secrets
from dataclasses import dataclass

from .. import audit
from ..connections import set_credentials
from ..models import WebhookEvent, WebhookRefusal
from ..webhooks import webhook_url


@dataclass(frozen=True)
class WebhookSetup:
    url: str
    secret: str


@dataclass(frozen=True)
class WebhookVerdict:
    ok: bool
    message: str


def webhook_setup(integration, *, user=None) -> WebhookSetup:
    """The URL and secret to paste into Centra's Webhook plugin; a secret is made once if none is set."""
    source = integration.source
    secret = source.credentials.get("webhook_secret", "")
    if not secret:
        secret = secrets.token_urlsafe(32)
        set_credentials(source, webhook_secret=secret)
        audit.record(user, [source], "Made a webhook signing secret for Centra.")
    return WebhookSetup(webhook_url(integration), secret)


def last_webhook(integration, since) -> WebhookVerdict:
    """What reached the webhook URL since `since`: a signed call, a refused one (and why), or nothing."""
    event = (WebhookEvent.objects.filter(integration=integration, received_at__gte=since)
             .order_by("-received_at").first())
    refusal = (WebhookRefusal.objects.filter(integration=integration, last_at__gte=since)
               .order_by("-last_at").first())
    if refusal is not None and (event is None or refusal.last_at > event.received_at):
        advice = {
            WebhookRefusal.Reason.BAD_SIGNATURE: "the secret in Centra's Webhook plugin differs from the one shown "
                                                 "here: paste it again.",
            WebhookRefusal.Reason.UNSIGNED: "Centra sent no signature: set the secret in its Webhook plugin.",
            WebhookRefusal.Reason.WRONG_TOKEN: "the URL in Centra is not this one: paste the whole URL again.",
        }.get(refusal.reason, refusal.get_reason_display())
        return WebhookVerdict(False, f"A call arrived at {refusal.last_at:%H:%M:%S} but was refused: {advice}")
    if event is not None:
        return WebhookVerdict(True, f"Centra's call arrived at {event.received_at:%H:%M:%S}, signed with the right "
                                    "secret: webhooks work.")
    return WebhookVerdict(False, "Nothing has arrived yet. In Centra's Webhook plugin, save the URL and secret, "
                                 "then send a test (or change an order), and check again.")
