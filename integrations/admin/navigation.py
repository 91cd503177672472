"""The console's menu, built per request: operations first, internals under System.

Only pages the user may open are listed (a model admin that is not registered, or not permitted,
is left out), and the simulators appear only when the sandbox apps are installed.
"""

from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

OPERATIONS = [
    ("Organizations", "apartment", "integrations.organization", None),
    ("Integrations", "cable", "integrations.integration", None),
    ("Connections", "key", "integrations.connection", None),
    ("Open failures", "error", "integrations.openfailure", lambda request: open_failures_badge(request)),
    ("Sync log", "list_alt", "integrations.syncrecord", None),
    ("Runs", "play_circle", "integrations.syncrun", None),
    ("Alerts", "notifications", "integrations.alert", lambda request: open_alerts_badge(request)),
    ("Reconciliation", "balance", "integrations.reconciliationreport", None),
    ("Partners", "handshake", "integrations.partner", None),
    ("API keys", "vpn_key", "integrations.apikey", None),
]
CONFIGURATION = [
    ("Bookkeeping", "account_balance", "mappings.bookkeeping", None),
    ("Flows", "sync_alt", "integrations.flow", None),
]
SYSTEM = [
    ("Queued tasks", "pending", "django_q.ormq", None),
    ("Scheduled tasks", "schedule", "django_q.schedule", None),
    ("Successful tasks", "task_alt", "django_q.success", None),
    ("Failed tasks", "report", "django_q.failure", None),
    ("Record links", "link", "integrations.recordlink", None),
    ("Webhook events", "webhook", "integrations.webhookevent", None),
    ("Audit trail", "history", "admin.logentry", None),
    ("Users", "person", "auth.user", None),
    ("Groups", "group", "auth.group", None),
    ("Login attempts", "lock", "axes.accessattempt", None),
]


def _items(request, entries) -> list[dict]:
    """Menu items for the registered models in `entries` that the user may view."""
    items = []
    for title, icon, label, badge in entries:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        model_admin = admin.site._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            continue
        try:
            link = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        item = {"title": _(title), "icon": icon, "link": link}
        count = badge(request) if badge else ""
        if count:  # a count as text (no callback): nothing shows when there is nothing to count
            item["badge"] = count
        items.append(item)
    return items


def sidebar(request) -> list[dict]:
    groups = [
        {"title": _("Operations"), "separator": False, "collapsible": False,
         "items": [{"title": _("Dashboard"), "icon": "dashboard", "link": reverse("admin:index")},
                   *_items(request, OPERATIONS)]},
        {"title": _("Configuration"), "separator": True, "collapsible": True, "items": _items(request, CONFIGURATION)},
        {"title": _("System"), "separator": True, "collapsible": True, "items": _items(request, SYSTEM)},
    ]
    if apps.is_installed("sandbox"):
        simulators = [(model._meta.verbose_name_plural.capitalize(), "science", model._meta.label_lower, None)
                      for model in admin.site._registry
                      if model._meta.app_label.startswith("sandbox") or model._meta.app_label == "chaos"]
        groups.append({"title": _("Simulators (sandbox)"), "separator": True, "collapsible": True,
                       "items": _items(request, simulators)})
    return [group for group in groups if group["items"]]


def open_failures_badge(request) -> str:
    from ..selectors.failures import open_failure_count

    count = open_failure_count()
    return str(count) if count else ""


def open_alerts_badge(request) -> str:
    from ..models import Alert

    count = Alert.objects.filter(resolved_at__isnull=True).count()
    return str(count) if count else ""


def console_css(request) -> str:
    """The console's own stylesheet, served by the app (settings.UNFOLD["STYLES"])."""
    from django.templatetags.static import static

    return static("console/console.css")
