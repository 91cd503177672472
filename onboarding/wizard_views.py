"""The Get Started wizard (/get-started/): one view per step, thin over `progress` and the engine.

Owners fill it in; viewers may look. Every step shows what it checked and what to fix.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from integrations import reconnect
from integrations.domain.errors import SyncError
from integrations.domain.registry import OAUTH2, descriptor
from integrations.services.centra_check import check_centra

from . import progress
from .access import member_required, owner_for_post
from .wizard_forms import CentraForm, ErpChoiceForm, ErpChoicesForm, ErpCredentialsForm


def _step_url(slug):
    """The step's page; None for a step whose page is not built yet (steps 3-8 are pending)."""
    try:
        return reverse(f"onboarding:wizard-{slug}")
    except NoReverseMatch:
        return None


def _page(request, wizard, slug, context, status=200):
    steps = [{"slug": s.slug, "title": s.title, "done": s.slug in wizard.done, "url": _step_url(s.slug),
              "reachable": progress.reachable(wizard, s.slug) and _step_url(s.slug) is not None}
             for s in progress.STEPS]
    number = progress.SLUGS.index(slug) + 1
    return render(request, f"onboarding/wizard/{slug}.html",
                  {"wizard": wizard, "steps": steps, "current": slug, "number": number,
                   "step_title": progress.STEPS[number - 1].title, **context}, status=status)


def _guard(request, slug):
    """The wizard of the user's organization, if `slug` may be opened yet (else None)."""
    wizard = progress.wizard_of(request.organization)
    if not progress.reachable(wizard, slug):
        messages.warning(request, "Finish this step first: the later ones build on it.")
        return wizard, redirect(_step_url(progress.next_step(wizard)) or "onboarding:wizard-erp")
    return wizard, None


@member_required
def start(request):
    """/get-started/: continue where the owner stopped."""
    wizard = progress.wizard_of(request.organization)
    slug = progress.next_step(wizard)
    return redirect(_step_url(slug) or "onboarding:wizard-erp")


@owner_for_post
def centra(request):
    wizard, away = _guard(request, "centra")
    if away:
        return away
    saved = wizard.source
    has_token = bool(saved and saved.credentials.get("api_token"))
    form = CentraForm(request.POST or None, has_token=has_token,
                      initial={"base_url": saved.base_url if saved else ""})
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["api_token"] or saved.credentials["api_token"]
        verdict = check_centra(form.cleaned_data["base_url"], token, progress.chosen_flows(wizard))
        for field, problems in verdict.problems.items():
            for problem in problems:
                form.add_error(field, problem)
        if verdict.ok:
            progress.save_centra(wizard, form.cleaned_data["base_url"], token, user=request.user)
            messages.success(request, "Centra answered: the address and the token work, with every permission "
                                      "the chosen flows need. The token is saved and will not be shown again.")
            return redirect("onboarding:wizard-erp")
    return _page(request, wizard, "centra", {"form": form, "saved": saved, "has_token": has_token},
                 status=400 if form.errors else 200)


@owner_for_post
def erp(request):
    wizard, away = _guard(request, "erp")
    if away:
        return away
    systems = progress.erp_systems()
    chosen = wizard.target.kind if wizard.target else (systems[0].kind if len(systems) == 1 else None)
    kind = request.POST.get("kind") or request.GET.get("kind") or chosen
    system = descriptor(kind) if kind in {s.kind for s in systems} else None
    same = wizard.target is not None and wizard.target.kind == kind
    context = {"choice": ErpChoiceForm(initial={"kind": kind}, systems=systems), "system": system,
               "credentials_form": None, "choices_form": None, "problem": "",
               "company": wizard.facts.get("erp_company") if same else None,
               "oauth_missing": system is not None and system.auth == OAUTH2 and not progress.oauth_app(kind)}
    if system is None or system.auth == OAUTH2:
        return _page(request, wizard, "erp", context)
    step = request.POST.get("step") if request.method == "POST" else None
    saved = wizard.target.credentials if same else {}
    initial = {"base_url": wizard.target.base_url, "auth_url": wizard.target.auth_url,
               **{f.name: saved.get(f.name, "") for f in system.typed_credentials if not f.secret}} if same else None
    form = context["credentials_form"] = ErpCredentialsForm(request.POST if step == "credentials" else None,
                                                            kind=kind, saved=tuple(saved), initial=initial)
    if step == "credentials" and form.is_valid():
        values = dict(form.cleaned_data)
        ok, message = progress.save_erp_credentials(wizard, kind, values.pop("base_url"), values.pop("auth_url", ""),
                                                    values, user=request.user)
        if ok:
            messages.success(request, message)
            return redirect(f"{reverse('onboarding:wizard-erp')}?kind={kind}")
        form.add_error(None, f"{system.label} refused these credentials: {message}")
    elif system.chosen and same and not progress.missing_typed(wizard.target):
        answered = _offer_choices(request, wizard, system, step, context)
        if answered:
            return answered
    picks = context["choices_form"]
    failed = form.errors or context["problem"] and step or picks is not None and picks.errors
    return _page(request, wizard, "erp", context, status=400 if failed else 200)


def _offer_choices(request, wizard, system, step, context):
    """The ERP's lists (e.g. environments, then companies), read live with the checked credentials,
    and the owner's choice among them: a redirect once a choice is kept."""
    try:
        offered = progress.erp_choices(wizard)
    except SyncError as exc:
        context["problem"] = exc.message
        return None
    picks = context["choices_form"] = ErpChoicesForm(request.POST if step == "choose" else None, offered=offered,
                                                     label=system.label)
    if step == "choose" and picks.is_valid():
        ok, message = progress.choose_erp(wizard, picks.cleaned_data, user=request.user)
        if ok:
            messages.success(request, message)
            return redirect(f"{reverse('onboarding:wizard-erp')}?kind={system.kind}")
        picks.add_error(None, message)
    return None


def callback_uri(request) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}{reverse('onboarding:wizard-erp-callback')}"


@owner_for_post
def erp_connect(request):
    """POST: off to the ERP's consent page (OAuth2 authorization-code flow, `state` kept in the session)."""
    if request.method != "POST":
        return redirect("onboarding:wizard-erp")
    wizard, away = _guard(request, "erp")
    if away:
        return away
    kind = request.POST.get("kind", "")
    if kind not in {s.kind for s in progress.erp_systems()} or descriptor(kind).auth != OAUTH2:
        messages.error(request, "Choose your ERP first.")
        return redirect("onboarding:wizard-erp")
    if not progress.oauth_app(kind):
        messages.error(request, f"Junipeer's {descriptor(kind).label} app is not configured here (ERP_OAUTH_APPS): "
                                "contact Junipeer's support.")
        return redirect("onboarding:wizard-erp")
    connection = progress.erp_connection(wizard, kind)
    try:
        url = reconnect.begin(connection, callback_uri(request), request.session)
    except reconnect.ReconnectFailed as failed:
        messages.error(request, failed.message)
        return redirect("onboarding:wizard-erp")
    return redirect(url)


@owner_for_post
def erp_callback(request):
    """Where the ERP sends the browser back: `code` and `state`, or `error`."""
    wizard = progress.wizard_of(request.organization)
    try:
        done = reconnect.finish(request.GET, request.session)
    except reconnect.ReconnectFailed as failed:
        if failed.connection is not None and failed.connection.organization_id != request.organization.pk:
            raise Http404 from None
        text = failed.message.replace("Start again from the connection's page.", "Press Connect again below.")
        messages.error(request, text.replace("start again", "press Connect again"))
        return redirect("onboarding:wizard-erp")
    if done.connection.organization_id != request.organization.pk:
        raise Http404
    wizard.refresh_from_db()
    try:
        ok, message = progress.erp_connected(wizard, user=request.user)
    except SyncError as exc:
        ok, message = False, exc.message
    if not ok:
        messages.error(request, f"The tokens are saved, but {done.connection.system.label} did not answer as it "
                                f"should: {message} Press Connect again, or contact support if it persists.")
        return redirect("onboarding:wizard-erp")
    company = wizard.facts["erp_company"]
    number = f" ({company['organisation_number']})" if company["organisation_number"] else ""
    messages.success(request, f"Connected to {company['system']} company {company['name']}{number}. "
                              "Check it is the right company before you continue.")
    return redirect("onboarding:wizard-erp")
