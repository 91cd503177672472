"""HTTP surface of the Business Central simulator (business-central.md §1, §9).

- `POST {login}/{tenant}/oauth2/v2.0/token`: Entra client credentials.
- `GET  {api}/environments/v1.2`: the tenant's environments.
- `{api}/v2.0/{tenant}/{environment}/api/v2.0/...` (the tenant may be left out): companies and
  everything under `companies({id})/`.
"""

import json
import re
import secrets
import uuid

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import inject_faults

from . import documents, entities, services
from . import records as store
from .errors import BCError, dialog, not_found
from .models import AccessToken, Company, EntraApp, Environment
from .odata import listing
from .ratelimit import limits

SEGMENT = re.compile(r"^(?P<name>[A-Za-z][\w.]*)(?:\((?P<key>[^)]*)\))?$")
ACTIONS = {"Microsoft.NAV.post", "Microsoft.NAV.cancel", "Microsoft.NAV.makeCorrectiveCreditMemo"}
WRITE_METHODS = ("POST", "PATCH", "DELETE")
SYSTEM = "business_central"


def _oauth_error(status: int, error: str, description: str) -> JsonResponse:
    """Entra's error shape (§1.2; the AADSTS texts are standard Entra, not from BC's docs)."""
    return JsonResponse({"error": error, "error_description": description, "error_codes": [],
                         "trace_id": secrets.token_hex(8), "correlation_id": secrets.token_hex(8)}, status=status)


@csrf_exempt
@inject_faults(SYSTEM)
def token(request, tenant):
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.")
    form = request.POST
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
    if not (EntraApp.objects.filter(tenant=tenant).exists() or Environment.objects.filter(tenant=tenant).exists()):
        return _oauth_error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure "
                                                    "you have the correct tenant ID and are signing into the correct "
                                                    "cloud.")
    app = EntraApp.objects.filter(client_id=form.get("client_id", "")).first()
    if app is None or app.tenant != tenant:
        client_id = form.get("client_id", "")
        return _oauth_error(400, "unauthorized_client",
                            f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory.")
    if not secrets.compare_digest(app.client_secret, form.get("client_secret", "")):
        return _oauth_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
    if form.get("scope") != services.SCOPE:
        return _oauth_error(400, "invalid_scope", f"AADSTS70011: The provided value for scope "
                                                  f"{form.get('scope', '')} is not valid.")
    return JsonResponse(services.issue_token(app))


def _app_of(request) -> EntraApp:
    header = request.headers.get("Authorization", "")
    value = header[7:] if header.startswith("Bearer ") else ""
    found = AccessToken.objects.select_related("app").filter(token=value).first() if value else None
    if found is None or found.expires_at <= timezone.now():
        raise BCError(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.",
                      {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if not found.app.enabled_in_bc:
        # SIMULATED: the answer for an app without an enabled card is unknown (§1.2): 401 as a refused
        # login, or 403 as a missing permission (the code is the one this simulator uses for writes).
        if found.app.disabled_status == 403:
            raise BCError(403, "Authorization_InsufficientPermissions",
                          "The app has no permission to Business Central's data in this environment.")
        raise BCError(found.app.disabled_status, "Authentication_InvalidCredentials",
                      "The server has rejected the client credentials.")
    return found.app


@csrf_exempt
@inject_faults(SYSTEM)
def environments(request):
    try:
        app = _app_of(request)
    except BCError as error:
        return error.response()
    return JsonResponse({"value": [
        {"friendlyName": env.name, "type": env.type, "name": env.name, "countryCode": "SE",
         "applicationVersion": "25.0", "status": "Active", "aadTenantId": env.tenant}
        for env in Environment.objects.filter(tenant=app.tenant).order_by("name")]})


@csrf_exempt
@inject_faults(SYSTEM)
def api(request, environment, rest, tenant=None):
    try:
        app = _app_of(request)
        tenant = tenant or app.tenant
        if tenant != app.tenant:
            raise BCError(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.")
        env = Environment.objects.filter(tenant=tenant, name=environment).first()
        if env is None:
            raise not_found(environment)
        key = f"{env.pk}:{app.client_id}"
        limits.enter(key, env)
        try:
            if request.method in WRITE_METHODS:
                if app.read_only:
                    # SIMULATED: BC's code for a missing write permission was not recorded (§3.2 403).
                    raise BCError(403, "Authorization_InsufficientPermissions",
                                  "You do not have the following permissions on TableData: Insert, Modify.")
                if env.next_deadlocks and Environment.objects.filter(
                        pk=env.pk, next_deadlocks__gt=0).update(next_deadlocks=env.next_deadlocks - 1):
                    raise BCError(409, "Internal_ServerError", "The operation could not complete because a record "
                                                               "was locked by another user (deadlock). Please retry "
                                                               "the activity.")
            answer = Router(request, env, rest or "").route()
        finally:
            limits.leave(key)
    except BCError as error:
        return error.response()
    return answer


def _body(request):
    if not request.body:
        return {}
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise BCError(400, "BadRequest", "Invalid Request Body") from exc


def _json(body: dict, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class Router:
    def __init__(self, request, environment: Environment, rest: str):
        self.request, self.environment = request, environment
        self.segments = [segment for segment in rest.split("/") if segment]
        self.root = request.build_absolute_uri(request.path[: len(request.path) - len(rest)].rstrip("/"))

    def context(self, suffix: str) -> str:
        return f"{self.root}/$metadata#{suffix}"

    def route(self):
        parsed = []
        for segment in self.segments:
            match = SEGMENT.match(segment)
            if match is None:
                raise not_found(segment)
            parsed.append((match.group("name"), match.group("key")))
        method = self.request.method
        if not parsed:
            sets = ["companies", *store.SPECS, *sorted(store.READ_ONLY_SETS), "companyInformation",
                    "generalLedgerSetup"]
            return _json({"@odata.context": self.context(""), "value": [
                {"name": name, "kind": "EntitySet", "url": name} for name in sets]})
        name, key = parsed[0]
        if name != "companies":
            raise not_found(name)
        companies = Company.objects.filter(environment=self.environment).order_by("name")
        if key is None:
            if len(parsed) > 1 or method != "GET":
                raise not_found(self.segments[-1])
            rows = [self.company_json(company) for company in companies]
            body, headers = listing(self.request, rows, self.environment, self.context("companies"))
            return _json(body, headers=headers)
        try:
            company = companies.filter(pk=uuid.UUID(key)).first()
        except ValueError as exc:
            raise BCError(400, "Application_InvalidGUID", f"Invalid GUID string: '{key}'.") from exc
        if company is None:
            raise BCError(404, "Internal_CompanyNotFound", f"The company '{key}' does not exist.")
        if len(parsed) == 1:
            return _json({"@odata.context": self.context("companies/$entity"), **self.company_json(company)})
        return CompanyRouter(self, company).route(parsed[1:])

    @staticmethod
    def company_json(company: Company) -> dict:
        return {"id": str(company.id), "systemVersion": "250000.1", "timestamp": 1, "name": company.name,
                "displayName": company.display_name, "businessProfileId": "",
                "systemCreatedAt": company.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "systemCreatedBy": "00000000-0000-0000-0000-000000000001",
                "systemModifiedAt": company.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "systemModifiedBy": "00000000-0000-0000-0000-000000000001"}


class CompanyRouter:
    def __init__(self, router: Router, company: Company):
        self.router, self.company = router, company
        self.request, self.method = router.request, router.request.method

    def context(self, suffix: str) -> str:
        return self.router.context(f"companies({self.company.id})/{suffix}")

    def route(self, parsed):
        (name, key), rest = parsed[0], parsed[1:]
        if name in ("companyInformation", "generalLedgerSetup") and not rest:
            return self.singleton(name)
        if name in ("salesInvoiceLines", "salesCreditMemoLines") and not rest:
            return self.flat_lines(name, key)
        if name not in store.SPECS and name not in store.READ_ONLY_SETS:
            raise not_found(name)
        if key is None:
            if rest:
                raise not_found(rest[0][0])
            return self.collection(name)
        record = store.find(self.company, name, key)
        if record is None:
            raise BCError(404, "BadRequest_NotFound", f"The {name[:-1]} does not exist.")
        if not rest:
            return self.entity(name, record)
        return self.child(name, record, rest)

    def singleton(self, name: str):
        if self.method != "GET":
            raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' requests for '{name}' of "
                                                              "EdmType 'Entity' are not allowed within Dynamics 365 "
                                                              "Business Central OData web services.")
        company = self.company
        if name == "companyInformation":
            row = {"id": str(company.id), "displayName": company.display_name, "addressLine1": "Modevägen 1",
                   "city": "Stockholm", "postalCode": "11122", "country": company.country,
                   "taxRegistrationNumber": "SE556677889901", "currencyCode": company.local_currency,
                   "currentFiscalYearStartDate": f"{timezone.now().year}-01-01"}
        else:
            row = {"id": str(company.id), "allowPostingFrom": "0001-01-01", "allowPostingTo": "0001-01-01",
                   "localCurrencyCode": company.local_currency, "localCurrencySymbol": "kr",
                   "additionalReportingCurrency": "", "shortcutDimension1Code": "", "shortcutDimension2Code": ""}
        body, headers = listing(self.request, [row], self.router.environment, self.context(name))
        return _json(body, headers=headers)

    def collection(self, name: str):
        if self.method == "GET":
            kind = documents.KINDS.get(name)
            expand = kind is not None and kind.lines in (self.request.GET.get("$expand") or "")
            rows = [documents.rendered(record, kind, expand=expand) if kind else store.rendered(record)
                    for record in store.records(self.company, name).order_by("sequence")]
            body, headers = listing(self.request, rows, self.router.environment, self.context(name))
            return _json(body, headers=headers)
        if self.method != "POST" or name in store.READ_ONLY_SETS:
            raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' requests for '{name}' are not "
                                                              "allowed.")
        body = _body(self.request)
        if name == "customers":
            record = entities.create_customer(self.company, body)
        elif name == "items":
            record = entities.create_item(self.company, body)
        else:
            kind = documents.KINDS[name]
            record = documents.create(self.company, kind, body)
            return _json(documents.rendered(record, kind, expand=True, context=self.context(f"{name}/$entity")), 201)
        return _json(store.rendered(record, self.context(f"{name}/$entity")), 201)

    def entity(self, name: str, record):
        kind = documents.KINDS.get(name)
        if self.method == "GET":
            expand = kind is not None and kind.lines in (self.request.GET.get("$expand") or "")
            body = (documents.rendered(record, kind, expand=expand) if kind else store.rendered(record))
            return _json({"@odata.context": self.context(f"{name}/$entity"), **body})
        if name in store.READ_ONLY_SETS or self.method not in ("PATCH", "DELETE"):
            raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' requests for '{name}' are not "
                                                              "allowed.")
        store.check_if_match(self.request, record)
        if self.method == "DELETE":
            if kind is not None and record.data["status"] != "Draft":
                raise dialog("The action can be applied to a draft invoice only.")
            record.delete()
            return HttpResponse(status=204)
        body = _body(self.request)
        if name == "customers":
            record = entities.update_customer(self.company, record, body)
        elif name == "items":
            record = entities.update_item(self.company, record, body)
        else:
            record = documents.update(self.company, record, kind, body)
        return _json({"@odata.context": self.context(f"{name}/$entity"), **store.rendered(record)})

    def child(self, name: str, record, rest):
        (child, key), more = rest[0], rest[1:]
        kind = documents.KINDS.get(name)
        if kind is None or more:
            raise not_found(child)
        if child in ACTIONS and key is None:
            if self.method != "POST":
                raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' is not allowed on {child}.")
            self.action(kind, record, child)
            return HttpResponse(status=204)
        if child != kind.lines:
            raise not_found(child)
        if key is None:
            if self.method == "POST":
                line = documents.add_line(self.company, record, kind, _body(self.request))
                return _json({"@odata.context": self.context(f"{child}/$entity"),
                              **documents.rendered_line(record, line)}, 201)
            if self.method != "GET":
                raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' is not allowed on {child}.")
            rows = [documents.rendered_line(record, line) for line in record.data["lines"]]
            body, headers = listing(self.request, rows, self.router.environment, self.context(child))
            return _json(body, headers=headers)
        line = next((line for line in record.data["lines"] if line["id"] == key.lower()), None)
        if line is None:
            raise BCError(404, "BadRequest_NotFound", "The line does not exist.")
        if self.method == "GET":
            return _json({"@odata.context": self.context(f"{child}/$entity"), **documents.rendered_line(record, line)})
        if self.method == "DELETE":
            store.check_if_match(self.request, record)
            if record.data["status"] != "Draft":
                raise dialog("The action can be applied to a draft invoice only.")
            record.data["lines"].remove(line)
            documents._totals(record)
            store.save(record)
            return HttpResponse(status=204)
        raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' is not allowed on {child} here.")

    def action(self, kind, record, action: str) -> None:
        if action == "Microsoft.NAV.post":
            documents.post(self.company, record, kind)
        elif kind is not documents.INVOICE:
            raise BCError(501, "BadRequest_MethodNotImplemented", f"The action {action} is not supported here.")
        elif action == "Microsoft.NAV.cancel":
            documents.cancel(self.company, record)
        else:
            documents.make_corrective_credit_memo(self.company, record)

    def flat_lines(self, name: str, key):
        """`companies({id})/salesInvoiceLines` needs an id or a `documentId` filter (§1.1)."""
        if self.method != "GET":
            raise BCError(405, "BadRequest_MethodNotAllowed", f"'{self.method}' is not allowed on {name} here.")
        kind = documents.LINE_SETS[name]
        match = re.search(r"documentId eq ([0-9a-fA-F-]{36})", self.request.GET.get("$filter") or "")
        if key is None and match is None:
            raise dialog("You must specify an Id or a Document Id to get the lines.")
        rows = []
        for record in store.records(self.company, kind.entity):
            if match and str(record.id) != match.group(1).lower():
                continue
            rows.extend(documents.rendered_line(record, line) for line in record.data["lines"]
                        if key is None or line["id"] == key.lower())
        body, headers = listing(self.request, rows, self.router.environment, self.context(name))
        return _json(body, headers=headers)
