"""Get Started steps 3-8: prepare the ERP, markets, flows, bookkeeping, test sync, go live.

Thin over the engine's services; every step reads live from Centra or the ERP and says what to
fix. Progress is kept on the organization's `Wizard` (see `progress`).
"""

from datetime import datetime, time

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.domain.errors import SyncError, describe
from integrations.models import Flow
from integrations.services import golive, prepare, test_sync
from integrations.services.bookkeeping import posting_group_choices, read_bookkeeping_defaults
from integrations.services.centra_check import check_centra
from integrations.services.markets import centra_markets
from integrations.services.webhook_check import last_webhook, webhook_setup
from mappings.services import bookkeeping_for, posting_groups_of

from . import progress
from .access import member_required, owner_for_post, owner_required
from .wizard_forms import (
    SALES_FIELDS,
    BookkeepingForm,
    FlowsForm,
    GoLiveForm,
    MarketsForm,
    PostingGroupsStepForm,
    oss_formset,
)
from .wizard_views import _guard, _page, _step_url

# Which step fixes a failed test record, by error code (the rest: bookkeeping for an account or an
# unmapped booking, else the ERP checklist). None: no step fixes it (a SKU renamed in Centra; a
# return waiting for its shipment's invoice), so no link.
FIXED_AT = {"unmapped_oss_rate": "bookkeeping", "unmapped_vat": "bookkeeping", "unknown_sku": "prepare",
            "unknown_currency": "prepare", "auth_expired": "erp", "auth_forbidden": "erp",
            "invalid_article_number": None, "original_invoice_missing": None}


def _posted(request):
    """The form data of a POST (even an empty one: nothing ticked is an answer), else None."""
    return request.POST if request.method == "POST" else None


def _moment(day):
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@owner_for_post
def prepare_step(request):
    wizard, away = _guard(request, "prepare")
    if away:
        return away
    integration = wizard.integration
    if request.method == "POST" and request.POST.get("create"):
        try:
            number = prepare.create_article(integration, request.POST["create"], user=request.user)
            messages.success(request, f"Created article {number} in {integration.target.system.label}.")
        except (SyncError, ValueError) as exc:
            messages.error(request, f"Could not create it: {exc}")
        return redirect("onboarding:wizard-prepare")
    try:
        checklist, problem = prepare.checklist(integration), ""
    except SyncError as exc:
        checklist, problem = None, exc.message
    if request.method == "POST":
        if checklist is not None and not any(item.ok is False for item in checklist.items):
            progress.mark_done(wizard, "prepare")
            return redirect("onboarding:wizard-markets")
        messages.error(request, "Some items are still missing: add them as each one says, then check again.")
    bookkeeping = bookkeeping_for(integration)
    creatable = {getattr(bookkeeping, field): field for field in prepare.ARTICLE_PURPOSES
                 if getattr(bookkeeping, field)}
    rows = [(item, creatable.get(item.key) if item.kind == "article" and item.ok is False else None)
            for item in (checklist.items if checklist else [])]
    return _page(request, wizard, "prepare", {"checklist": checklist, "rows": rows, "problem": problem},
                 status=400 if request.method == "POST" else 200)


@owner_for_post
def markets_step(request):
    wizard, away = _guard(request, "markets")
    if away:
        return away
    integration = wizard.integration
    try:
        markets, problem = centra_markets(integration), ""
    except SyncError as exc:
        markets, problem = [], exc.message
    bookkeeping = bookkeeping_for(integration)
    chosen = bookkeeping.markets or [m.name for m in markets if m.suggested]
    form = MarketsForm(_posted(request), markets=markets, initial={"markets": chosen})
    if request.method == "POST" and form.is_valid():
        bookkeeping.markets = form.cleaned_data["markets"]
        bookkeeping.save(update_fields=["markets", "updated_at"])
        progress.mark_done(wizard, "markets")
        return redirect("onboarding:wizard-flows")
    return _page(request, wizard, "markets", {"form": form, "markets": markets, "problem": problem},
                 status=400 if form.errors else 200)


@owner_for_post
def flows_step(request):
    wizard, away = _guard(request, "flows")
    if away:
        return away
    flows = {flow.kind: flow for flow in wizard.integration.flows.all()}
    orders = flows.get(Flow.Kind.ORDERS)
    initial = {f"flow_{kind}": flow.enabled for kind, flow in flows.items()}
    initial["trigger"] = orders.trigger if orders else Flow.Trigger.SHIPMENT_CREATED
    form = FlowsForm(_posted(request), initial=initial, kinds=Flow.Kind.choices,
                     trigger_choices=Flow.Trigger.choices)
    if request.method == "POST" and form.is_valid():
        chosen = [kind for kind in flows if form.cleaned_data.get(f"flow_{kind}")]
        _check_token_for(form, wizard.integration.source, chosen)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for kind, flow in flows.items():
                flow.enabled = form.cleaned_data.get(f"flow_{kind}", False)
                if kind == Flow.Kind.ORDERS:
                    flow.trigger = form.cleaned_data["trigger"]
                flow.save(update_fields=["enabled", "trigger"])
        progress.mark_done(wizard, "flows")
        return redirect("onboarding:wizard-bookkeeping")
    return _page(request, wizard, "flows", {"form": form}, status=400 if form.errors else 200)


def _check_token_for(form, source, kinds) -> None:
    """Step 1 checked the token for the default flows; the flows chosen here are checked again, so a
    token lacking what they read (or write) is named now, not when the flow first runs."""
    verdict = check_centra(source.base_url, source.credentials.get("api_token", ""), kinds)
    for problems in verdict.problems.values():
        for problem in problems:
            form.add_error(None, problem)


@owner_for_post
def bookkeeping_step(request):
    wizard, away = _guard(request, "bookkeeping")
    if away:
        return away
    integration = wizard.integration
    bookkeeping = bookkeeping_for(integration)
    if request.method == "POST" and request.POST.get("read_defaults"):
        try:
            changed = read_bookkeeping_defaults(integration)
            messages.success(request, f"Read {len(changed)} account(s) from {integration.target.system.label}."
                             if changed else "The accounts already match the ERP's defaults.")
        except SyncError as exc:
            messages.error(request, exc.message)
        return redirect("onboarding:wizard-bookkeeping")
    if request.method == "GET" and "bookkeeping_prefilled" not in wizard.facts:
        try:  # prefilled once from the ERP's predefined accounts; later visits keep what the owner set
            read_bookkeeping_defaults(integration)
            bookkeeping.refresh_from_db()
            progress.remember(wizard, bookkeeping_prefilled=True)
        except SyncError as exc:
            messages.warning(request, f"Could not read the ERP's default accounts: {exc.message}")
    # An ERP that books by posting groups gets them mapped, from the chosen company's own groups,
    # in place of the sales and OSS sales accounts; the other ERPs get the accounts and OSS rows.
    groups, rows = _posting_groups_form(request, integration), None
    form = BookkeepingForm(_posted(request), instance=bookkeeping, by_posting_groups=groups is not None)
    if groups is None:
        rows = oss_formset(integration, _posted(request))
    extra = groups if groups is not None else rows
    if request.method == "POST" and form.is_valid() and extra.is_valid():
        with transaction.atomic():
            form.save()
            extra.save()
        progress.mark_done(wizard, "bookkeeping")
        return redirect("onboarding:wizard-test")
    failed = form.errors or (groups.errors if groups is not None else rows.total_error_count())
    return _page(request, wizard, "bookkeeping", {"form": form, "rows": rows, "groups": groups,
                                                  "sales_fields": SALES_FIELDS}, status=400 if failed else 200)


def _posting_groups_form(request, integration):
    """The posting-group mapping with the company's groups read live, or None when the ERP books by
    row accounts. Groups that cannot be read leave the saved codes choosable, with a warning."""
    mapping = posting_groups_of(integration)
    if mapping is None:
        return None
    try:
        listed = posting_group_choices(integration)
    except SyncError as exc:
        listed = {}
        messages.warning(request, f"Could not read the posting groups from {integration.target.system.label}: "
                                  f"{exc.message}")
    return PostingGroupsStepForm(_posted(request), instance=mapping, listed=listed,
                                 system=integration.target.system.label)


@owner_for_post
def test_step(request):
    wizard, away = _guard(request, "test")
    if away:
        return away
    integration = wizard.integration
    refused = ""
    if request.method == "POST":
        records = {Flow.Kind.ORDERS: request.POST.getlist("shipments"),
                   Flow.Kind.REFUNDS: request.POST.getlist("returns")}
        try:
            refused = _not_offered(integration, records)
            if not refused:
                progress.remember(wizard, test_sync=test_sync.start(integration, records, user=request.user))
                return redirect("onboarding:wizard-test")
        except (ValueError, SyncError) as exc:
            refused = exc.message if isinstance(exc, SyncError) else str(exc)
    running = wizard.facts.get("test_sync")
    if running:
        return _page(request, wizard, "test", {"running": running, "state": _state(wizard)})
    try:
        found, problem = test_sync.candidates(integration), ""
    except SyncError as exc:
        found, problem = [], exc.message
    for candidate in found:
        candidate.fix_url = _fix_url(candidate.error)
    return _page(request, wizard, "test", {"candidates": found, "problem": problem, "refused": refused},
                 status=400 if refused else 200)


def _not_offered(integration, records) -> str:
    """Only the shipments and returns the page offered may be synced: say which others were posted."""
    offered = test_sync.offered(integration)
    other = [f"{'shipment' if kind == Flow.Kind.ORDERS else 'return'} {source_id}"
             for kind, ids in records.items() for source_id in ids if source_id not in offered[kind]]
    return (f"Not among the shipments and returns offered for the test: {', '.join(other)}. Choose from the "
            "list below.") if other else ""


def _state(wizard):
    running = wizard.facts["test_sync"]
    state = test_sync.progress(wizard.integration, parse_datetime(running["started"]), running["count"],
                               running.get("kinds", []))
    for record in state.failed:
        record.fix_url, record.advice = _fix_url(record.error_code), describe(record.error_code).advice
    for run in state.run_errors:
        run.fix_url = _fix_url(run.error_code)
    return state


def _fix_url(code):
    if not code:
        return None
    step = FIXED_AT.get(code, "bookkeeping" if "account" in code or code.startswith("unmapped") else "prepare")
    return _step_url(step) if step else None


@member_required
def test_progress(request):
    """The progress bar's fragment, polled by htmx while the test sync runs."""
    wizard = progress.wizard_of(request.organization)
    if not wizard.facts.get("test_sync") or wizard.integration is None:
        return render(request, "onboarding/wizard/test_progress.html", {"state": None})
    state = _state(wizard)
    if state.finished and not state.run_errors:
        # Failed records do not hold the shop back: they stay in its sync log, with what to do.
        progress.mark_done(wizard, "test")
    return render(request, "onboarding/wizard/test_progress.html", {"state": state, "wizard": wizard})


@owner_required
def test_again(request):
    """Forget the finished test so the owner can pick records and run it again."""
    wizard = progress.wizard_of(request.organization)
    if request.method == "POST":
        progress.forget_fact(wizard, "test_sync")
    return redirect("onboarding:wizard-test")


@owner_for_post
def golive_step(request):
    wizard, away = _guard(request, "golive")
    if away:
        return away
    integration = wizard.integration
    hook = webhook_setup(integration, user=request.user) if request.is_owner else None
    form = GoLiveForm(_posted(request), initial={"sync_from": timezone.localdate()})
    blocking = golive.problems(integration) if integration.status == integration.Status.DRAFT else []
    if request.method == "POST" and request.POST.get("check_webhook"):
        since = parse_datetime(wizard.facts.get("golive_opened", "")) or timezone.now()
        verdict = last_webhook(integration, since)
        (messages.success if verdict.ok else messages.warning)(request, verdict.message)
        return redirect("onboarding:wizard-golive")
    if request.method == "GET" and "golive_opened" not in wizard.facts:
        progress.remember(wizard, golive_opened=timezone.now().isoformat())
    if request.method == "POST" and form.is_valid():
        backfill = form.cleaned_data["backfill_from"] if form.cleaned_data.get("backfill") else None
        try:
            golive.go_live(integration, sync_from=_moment(form.cleaned_data["sync_from"]),
                           backfill_from=_moment(backfill), user=request.user)
        except golive.GoLiveRefused as refused:
            for problem in refused.problems:
                form.add_error(None, problem)
        else:
            progress.mark_done(wizard, "golive")
            messages.success(request, f"{integration.name} is live: new shipments and returns are synced from now "
                                      "on. Watch them in your sync log.")
            return redirect("onboarding:home")
    return _page(request, wizard, "golive", {"form": form, "hook": hook, "problems": blocking,
                                             "live": integration.status != integration.Status.DRAFT},
                 status=400 if form.errors else 200)
