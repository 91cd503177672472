"""The shop's sync log (/app/log/): search, a record's page, retry one or all open failures, close
one with a reason; and the shop's alerts (/app/alerts/).

The search is the console's (`integrations.selectors.records`), scoped to the user's organization;
retry and resolve go through `integrations.services.failures`, alerts through `services.alerts`.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from integrations.selectors.alerts import alerts_of_organization
from integrations.selectors.failures import advice
from integrations.selectors.records import exchanges, history, link_of, search_records, within_days
from integrations.services import failures
from integrations.services.alerts import resolve_alerts
from integrations.web_input import whole_number

from .access import member_required, owner_for_post, owner_required
from .app_forms import AlertNoteForm, LogSearchForm, ReasonForm
from .selectors import own_alert, own_integration, own_record, records_of_organization

PAGE_SIZE = 50
LAST_PAGE = 10_000  # past it, search: no one pages through half a million records


def _own_integration(request, value: str | None):
    """The integration a query names, looked up through the user's organization; one that is not
    theirs, or no id at all, is a 404 (an absent parameter is None)."""
    if not value:
        return None
    number = whole_number(value)
    if number is None:
        raise Http404("No such integration.")
    return own_integration(request.organization, number)


def _searched(request):
    """The organization's records narrowed by the search form (an invalid form narrows nothing and
    says why), and the form to show again."""
    form = LogSearchForm(request.GET or None)
    records = records_of_organization(request.organization)
    integration = _own_integration(request, request.GET.get("integration"))
    if integration is not None:
        records = records.filter(integration=integration)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        records = within_days(search_records(records, data["q"]), data["since"], data["until"])
        if data["open"]:
            records = records.open_failures()
    return form, records, integration


@member_required
def log(request):
    """Newest first, a page at a time without counting the whole log (a next link when there is more)."""
    form, records, integration = _searched(request)
    page = whole_number(request.GET.get("page"), LAST_PAGE) or 1
    rows = list(records.select_related("integration", "run__flow").order_by("-created_at", "-id")
                [(page - 1) * PAGE_SIZE:page * PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    open_failures = records_of_organization(request.organization).open_failures()
    if integration is not None:
        open_failures = open_failures.filter(integration=integration)
    return render(request, "onboarding/app/log.html", {
        "form": form, "records": rows[:PAGE_SIZE], "page": page, "more": len(rows) > PAGE_SIZE,
        "query": query.urlencode(), "integration": integration, "open_count": open_failures.count(),
    })


@member_required
def record(request, record_id: int):
    """What we sent, what the ERP answered (secrets redacted), the advice, and every attempt."""
    rec = own_record(request.organization, record_id)
    return render(request, "onboarding/app/record.html", {
        "record": rec, "advice": advice(rec.error_code), "sections": exchanges(rec), "history": history(rec),
        "link": link_of(rec), "is_open": records_of_organization(request.organization).open_failures()
        .filter(pk=rec.pk).exists(),
        "erp_label": rec.integration.target.system.label, "reason_form": ReasonForm(),
    })


@owner_required
def retry_record(request, record_id: int):
    rec = own_record(request.organization, record_id)
    if request.method != "POST":
        return redirect("onboarding:record", record_id=rec.pk)
    count = failures.retry(records_of_organization(request.organization).filter(pk=rec.pk), user=request.user)
    if count:
        messages.success(request, f"Retry of {rec.source_ref or rec.source_id} queued: it runs within a minute. "
                                  "Reload this page to see the new attempt.")
    else:
        messages.warning(request, "This record is not an open failure: nothing to retry.")
    return redirect("onboarding:record", record_id=rec.pk)


@owner_for_post
def retry_all(request):
    """Every open failure of the shop (or of one integration): the count is confirmed first."""
    records = records_of_organization(request.organization).open_failures()
    integration = _own_integration(request, (request.POST or request.GET).get("integration"))
    if integration is not None:
        records = records.filter(integration=integration)
    if request.method == "POST":
        count = failures.retry(records, user=request.user)
        messages.success(request, f"Queued {count} failed record(s) for retry; each runs within a minute. Those whose "
                                  "cause is not fixed yet fail again with the same advice.")
        return redirect(reverse("onboarding:log") + "?open=on" + (f"&integration={integration.pk}" if integration
                                                                   else ""))
    return render(request, "onboarding/app/retry_all.html", {"count": records.count(), "integration": integration})


@owner_for_post
def resolve_record(request, record_id: int):
    """Close an open failure by hand, with a reason kept in the history."""
    rec = own_record(request.organization, record_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = failures.resolve(records_of_organization(request.organization).filter(pk=rec.pk),
                                 reason=form.cleaned_data["reason"], user=request.user,
                                 resolution=form.cleaned_data["resolution"])
        if count:
            messages.success(request, f"Marked {rec.source_ref or rec.source_id} {form.cleaned_data['resolution']}; "
                                      "it stays in the sync log with your reason.")
        else:
            messages.warning(request, "This record is not an open failure: nothing was closed.")
        return redirect("onboarding:record", record_id=rec.pk)
    return render(request, "onboarding/app/resolve.html", {"record": rec, "form": form},
                  status=400 if form.errors else 200)


@member_required
def alerts(request):
    return render(request, "onboarding/app/alerts.html",
                  {"alerts": alerts_of_organization(request.organization)[:100]})


@owner_for_post
def alert(request, alert_id: int):
    """One alert, with what to do about it; an owner resolves it with a note of what was done."""
    found = own_alert(request.organization, alert_id)
    form = AlertNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = resolve_alerts(alerts_of_organization(request.organization).filter(pk=found.pk),
                               note=form.cleaned_data["note"], user=request.user)
        if count:
            messages.success(request, "Resolved. If the problem happens again, a new alert opens and mails you.")
        else:
            messages.warning(request, "This alert was already resolved.")
        return redirect("onboarding:alert", alert_id=found.pk)
    return render(request, "onboarding/app/alert.html", {"alert": found, "form": form},
                  status=400 if form.errors else 200)
