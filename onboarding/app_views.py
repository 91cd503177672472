"""The shop owners' self-service area (/app/): their integrations and flows, pausing a flow, syncing
one order now, and their connections (checked now, reconnected when access stops working).

Thin over `integrations.services.runs` and `integrations.reconnect`; every object is looked up
through the user's organization (`selectors.own_*`), so another shop's id answers 404.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from integrations import reconnect
from integrations.connections import set_credentials
from integrations.domain.registry import OAUTH2, SOURCE
from integrations.models import Flow
from integrations.selectors.alerts import alerts_of_organization
from integrations.services import runs
from integrations.services.centra_check import check_centra

from .access import member_required, owner_for_post, owner_required
from .app_forms import ExportForm
from .selectors import integrations_overview, own_connection, own_flow, own_integration
from .wizard_forms import CentraForm, ErpCredentialsForm


@member_required
def home(request):
    organization = request.organization
    return render(request, "onboarding/app/home.html", {
        "integrations": integrations_overview(organization),
        "open_alerts": alerts_of_organization(organization).filter(resolved_at__isnull=True).count(),
        "export_form": ExportForm(),
    })


@owner_required
def flow_enabled(request, flow_id: int):
    """Pause or resume one flow; a resumed flow goes on from where it stopped."""
    flow = own_flow(request.organization, flow_id)
    if request.method != "POST":
        return redirect("onboarding:home")
    enabled = request.POST.get("enabled") == "1"
    try:
        runs.set_flow_enabled(flow, enabled, user=request.user)
    except ValidationError as exc:
        messages.error(request, f"The {flow.get_kind_display().lower()} flow cannot be resumed yet: "
                                f"{' '.join(exc.messages)}")
    else:
        done = "resumed: it goes on from where it stopped" if enabled else \
            "paused: nothing is lost, it resumes from where it stopped"
        messages.success(request, f"{flow.get_kind_display()} {done}.")
    return redirect("onboarding:home")


@owner_required
def export(request, integration_id: int):
    """Sync one order, shipment or return now, by the number people see in Centra."""
    integration = own_integration(request.organization, integration_id)
    if request.method != "POST":
        return redirect("onboarding:home")
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reference"]))
        return redirect("onboarding:home")
    reference = form.cleaned_data["reference"].strip()
    try:
        plan = runs.export_one(integration, reference, user=request.user)
    except runs.NothingToExport as nothing:
        messages.error(request, str(nothing))
        return redirect("onboarding:home")
    messages.success(request, f"Syncing {reference} now: {', '.join(plan.described)}. It appears in the sync log "
                              "within a minute; a document already in the ERP is never created twice.")
    return redirect(f"{reverse('onboarding:log')}?q={reference}")


def _reconnect_callback_uri() -> str:
    return f"{settings.SITE_URL}{reverse('onboarding:reconnect-callback')}"


def _token_form(connection, data=None):
    """Where a token system takes new credentials: Centra's form, or the ERP's from its descriptor."""
    if connection.system.role == SOURCE:
        return CentraForm(data, has_token=bool(connection.credentials.get("api_token")),
                          initial={"base_url": connection.base_url})
    return ErpCredentialsForm(data, kind=connection.kind, saved=tuple(connection.credentials),
                              initial={"base_url": connection.base_url})


@owner_for_post
def connection(request, connection_id: int):
    """A connection's health, and new credentials for a system reached by token (OAuth2 systems
    reconnect through their consent page instead, see `reconnect_start`)."""
    conn = own_connection(request.organization, connection_id)
    oauth = conn.system.auth == OAUTH2
    form = None if oauth else _token_form(conn, request.POST or None)
    if request.method == "POST" and form is not None and form.is_valid():
        values = dict(form.cleaned_data)
        base_url = values.pop("base_url")
        values = {name: value for name, value in values.items() if value}  # empty secret: keep the saved one
        if conn.system.role == SOURCE:
            kinds = list(Flow.objects.using_connection(conn).filter(enabled=True).values_list("kind", flat=True))
            verdict = check_centra(base_url, values.get("api_token") or conn.credentials["api_token"], kinds)
            for field, problems in verdict.problems.items():
                for problem in problems:
                    form.add_error(field, problem)
        if not form.errors:
            conn.base_url = base_url
            conn.save(update_fields=["base_url", "updated_at"])
            set_credentials(conn, **values)
            healthy, message = runs.check_now(conn, user=request.user)
            if healthy:
                messages.success(request, f"{conn.system.label} answered with the new credentials: {conn} is healthy "
                                          "again, and its flows resume from where they stopped.")
                return redirect("onboarding:connection", connection_id=conn.pk)
            form.add_error(None, f"Saved, but {conn.system.label} still refuses: {message}")
    return render(request, "onboarding/app/connection.html", {"connection": conn, "oauth": oauth, "form": form},
                  status=400 if form is not None and form.errors else 200)


@owner_required
def connection_check(request, connection_id: int):
    conn = own_connection(request.organization, connection_id)
    if request.method != "POST":
        return redirect("onboarding:connection", connection_id=conn.pk)
    healthy, message = runs.check_now(conn, user=request.user)
    if healthy:
        messages.success(request, f"{conn.system.label} answered: {conn} is healthy.")
    else:
        messages.error(request, f"{conn.system.label} did not answer as it should: {message}")
    return redirect("onboarding:connection", connection_id=conn.pk)


@owner_required
def reconnect_start(request, connection_id: int):
    """Off to the ERP's consent page (OAuth2 authorization code, `state` kept in the session), as
    Get Started's step 2 does; the answer comes back to `reconnect_callback`."""
    conn = own_connection(request.organization, connection_id)
    if request.method != "POST":
        return redirect("onboarding:connection", connection_id=conn.pk)
    try:
        url = reconnect.begin(conn, _reconnect_callback_uri(), request.session)
    except reconnect.ReconnectFailed as failed:
        messages.error(request, failed.message)
        return redirect("onboarding:connection", connection_id=conn.pk)
    return redirect(url)


@owner_required
def reconnect_callback(request):
    """Where the ERP sends the browser back: the code is exchanged and the tokens saved at once."""
    try:
        done = reconnect.finish(request.GET, request.session)
    except reconnect.ReconnectFailed as failed:
        if failed.connection is None:
            messages.error(request, failed.message.replace("from the connection's page", "with Reconnect below"))
            return redirect("onboarding:home")
        if failed.connection.organization_id != request.organization.pk:
            raise Http404 from None
        messages.error(request, failed.message)
        return redirect("onboarding:connection", connection_id=failed.connection.pk)
    if done.connection.organization_id != request.organization.pk:
        raise Http404
    (messages.success if done.healthy else messages.error)(request, done.message)
    return redirect("onboarding:connection", connection_id=done.connection.pk)
