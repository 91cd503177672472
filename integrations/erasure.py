"""Erasing one customer's personal data (a GDPR erasure request) from everything the engine stores.

Personal data here is a person's name, e-mail, addresses and phone numbers. Ids, amounts, codes,
dates and statuses stay, so the books, the sync log's figures and the exactly-once guard still
hold. The ERP's and Centra's own copies are the shop's to erase; this is Junipeer's part.

Where a customer's data is found, given their e-mail and/or Centra customer id:
- their record links (keyed `centra-customer-<id>` or `email-<e-mail>`, or any link whose `sent`
  holds the e-mail): the fields we last sent; a key made of the e-mail becomes `erased-<link id>`
  (the next order from that address is matched by e-mail in the ERP, so no duplicate follows);
- sync records of those links, or whose texts hold the e-mail, or whose bodies name one of the
  person's ERP customer numbers (a later invoice for a matched customer carries only the number),
  and every other attempt of the same source object;
- webhook events, runs' error messages, alerts and reconciliation differences that hold the e-mail.

In a JSON body a dict is the customer's when it, or a dict around it up to the nearest list, holds
the e-mail or one of their customer numbers: its name, e-mail, address and phone values become
MARK. In every text of the customer's rows the e-mail (also URL-encoded) and the names and
addresses found that way are replaced by MARK too. One audit entry records what was erased, by
count, never the data.
"""

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from urllib.parse import quote, quote_plus

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from mappings.centra import customer_source_id

from .domain.documents import COMPANY_KEY_PREFIX
from .models import Alert, Integration, ReconciliationReport, RecordLink, SyncRecord, SyncRun, WebhookEvent

MARK = "[erased]"
ERASED_KEY_PREFIX = "erased-"
NAME_KEYS = {"name", "firstname", "lastname", "fullname", "customername", "deliveryname", "invoicename",
             "yourreference", "companyname", "contactname", "contactperson", "attention", "careof"}
CUSTOMER_NUMBER_KEY = "customernumber"
CUSTOMER = "customer"  # the object type of customer links
MIN_NEEDLE = 3  # shorter names or addresses are not searched for inside other texts


def _key(key) -> str:
    return re.sub(r"[^a-z]", "", str(key).lower())


def is_name_key(key) -> bool:
    return _key(key) in NAME_KEYS


def is_personal_key(key) -> bool:
    """Name, e-mail, address or phone: by the key's letters, so `Phone1`, `DeliveryAddress2`,
    `EmailAddressTo`, `zipCode` and `cellPhoneNumber` all count."""
    k = _key(key)
    return (k in NAME_KEYS or "email" in k or "phone" in k or "mobile" in k or "address" in k
            or k.endswith(("fax", "city", "zipcode", "postcode", "postalcode", "street")))


@dataclass
class Subject:
    """Who is erased: what identifies them, and what is learnt about them while looking."""

    emails: set[str] = field(default_factory=set)
    keys: set[tuple[int, str]] = field(default_factory=set)  # (integration, source id) of their customer links
    renamed: dict[tuple[int, str], str] = field(default_factory=dict)  # keys made of the e-mail -> erased keys
    numbers: dict[int, set[str]] = field(default_factory=dict)  # integration -> ERP customer numbers
    needles: set[str] = field(default_factory=set)  # names and addresses found in their own data
    _pattern: re.Pattern | None = None

    def email_variants(self) -> set[str]:
        return {form for email in self.emails for form in (email, quote(email, safe=""), quote_plus(email))}

    def pattern(self) -> re.Pattern | None:
        """E-mails wherever they appear (URL-encoded ones follow `%22` and the like); names and
        addresses as whole words only, so `Berg` is not taken out of `Bergman`."""
        if self._pattern is None:
            emails = sorted(self.email_variants(), key=len, reverse=True)
            words = sorted(self.needles - set(emails), key=len, reverse=True)
            alternatives = [re.escape(text) for text in emails]
            alternatives += [rf"(?<!\w){re.escape(text)}(?!\w)" for text in words]
            if alternatives:
                self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        return self._pattern

    def learn(self, key, value: str) -> None:
        """Keep a name, address or e-mail of theirs (an earlier e-mail, say), to find it inside other
        texts of their rows. Only their own e-mails identify their rows: one found here may be the
        shop's (an invoice's sender)."""
        value, k = value.strip(), _key(key)
        searchable = ("email" in k and "@" in value) or (
            (is_name_key(key) or "address" in k or k.endswith("city")) and "email" not in k)
        # Numbers (zip codes, house numbers) are left to their keys: as text they could be part of an id.
        if searchable and len(value) >= MIN_NEEDLE and not value.replace(" ", "").isdigit() and value != MARK \
                and value not in self.needles:
            self.needles.add(value)
            self._pattern = None

    def mentioned_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(form.lower() in lowered for form in self.email_variants())


class Scrubber:
    """Walks values of one row: counts personal values replaced; `learning` only collects needles."""

    def __init__(self, subject: Subject, integration_id: int | None, *, learning: bool = False, whole: bool = False):
        self.subject = subject
        self.numbers = subject.numbers.get(integration_id, set())
        self.learning = learning
        self.whole = whole  # every dict is theirs: a row about their own customer record
        self.replaced = 0
        self.owned_any = False

    def text(self, value: str) -> str:
        pattern = None if self.learning else self.subject.pattern()
        if pattern is None:
            return value
        new, count = pattern.subn(MARK, value)
        self.replaced += count
        return new

    def json(self, node, owned: bool = False):
        if isinstance(node, dict):
            mine = owned or self.whole or self._mentions(node)
            self.owned_any |= mine
            result = {}
            for key, value in node.items():
                if mine and is_personal_key(key) and isinstance(value, str | int | float) \
                        and not isinstance(value, bool) and value != "" and value != MARK:
                    if isinstance(value, str):
                        self.subject.learn(key, value)
                    result[key] = MARK
                    self.replaced += 1
                else:
                    result[key] = self.json(value, mine if isinstance(value, dict) else False)
            return result
        if isinstance(node, list):
            return [self.json(item) for item in node]  # each item is judged on its own
        if isinstance(node, str):
            return self.text(node)
        return node

    def _mentions(self, node) -> bool:
        if isinstance(node, dict):
            return any((_key(key) == CUSTOMER_NUMBER_KEY and str(value).strip() in self.numbers)
                       or self._mentions(value) for key, value in node.items())
        if isinstance(node, list):
            return any(self._mentions(item) for item in node)
        return isinstance(node, str) and self.subject.mentioned_in(node)


@dataclass
class ErasureReport:
    """Rows changed per table, and how many personal values were replaced (never which)."""

    counts: Counter = field(default_factory=Counter)
    values: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        tables = ", ".join(f"{table} {self.counts[table]}" for table in TABLES)
        return f"{tables}; {self.values} personal value(s)"


TABLES = ("sync records", "record links", "webhook events", "sync runs", "alerts", "reconciliation reports")


# --- finding them -------------------------------------------------------------------------------


def _text_match(subject: Subject, *fields: str) -> Q:
    """Rows with an e-mail form in any of `fields` (JSON fields through their annotated text)."""
    forms = subject.email_variants() | {json.dumps(email)[1:-1] for email in subject.emails}  # escaped non-ASCII
    return reduce(or_, (Q(**{f"{name}__icontains": form}) for name in fields for form in forms), Q(pk__in=[]))


def _email_values(data) -> set[str]:
    if isinstance(data, dict):
        found = {str(v).strip().lower() for k, v in data.items() if "email" in _key(k) and "@" in str(v)}
        return found.union(*(_email_values(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_email_values(item) for item in data))
    return set()


def is_person(link: RecordLink) -> bool:
    """A link to the person's own customer record (a company is keyed by its organisation number)."""
    return link.object_type == CUSTOMER and not link.source_id.startswith(COMPANY_KEY_PREFIX)


def find_subject(email: str, centra_customer_id: str, integrations) -> tuple[Subject, list[RecordLink]]:
    """The person's e-mails, link keys and ERP customer numbers, with the links that hold their data."""
    subject = Subject(emails={email.strip().lower()} if email.strip() else set())
    keys = {customer_source_id({"id": centra_customer_id}, "")} if centra_customer_id else set()
    links = RecordLink.objects.filter(integration__in=integrations).annotate(sent_text=Cast("sent", TextField()))
    found: dict[int, RecordLink] = {}
    for _ in range(2):  # a customer id leads to e-mails, and e-mails to more links
        keys |= {customer_source_id({}, address) for address in subject.emails}
        for link in links.filter(Q(source_id__in=keys) | _text_match(subject, "sent_text", "source_id")):
            found[link.pk] = link
            if is_person(link):
                subject.emails |= _email_values(link.sent)
    for link in found.values():
        if is_person(link) and link.target_id:
            subject.numbers.setdefault(link.integration_id, set()).add(link.target_id)
        if is_person(link):
            subject.keys.add((link.integration_id, link.source_id))
        if subject.mentioned_in(link.source_id):
            subject.renamed[(link.integration_id, link.source_id)] = f"{ERASED_KEY_PREFIX}{link.pk}"
    return subject, list(found.values())


def _their_records(subject: Subject, integrations) -> list[int]:
    records = SyncRecord.objects.filter(integration__in=integrations).annotate(
        request_text=Cast("request", TextField()), response_text=Cast("response", TextField()))
    by_number = [Q(integration_id=integration_id) & (Q(request_text__icontains=f'"{CUSTOMER_NUMBER_KEY}": "{n}"')
                                                       | Q(response_text__icontains=f'"{CUSTOMER_NUMBER_KEY}": "{n}"')
                                                       | Q(request_text__icontains=f'"{CUSTOMER_NUMBER_KEY}": {n}')
                                                       | Q(response_text__icontains=f'"{CUSTOMER_NUMBER_KEY}": {n}'))
                 for integration_id, numbers in subject.numbers.items() for n in numbers]
    by_key = [Q(integration_id=integration_id, source_id=key) for integration_id, key in subject.keys]
    candidates = records.filter(reduce(or_, by_number + by_key, Q(pk__in=[]))
                                | _text_match(subject, "source_id", "source_ref", "message", "customer_email",
                                              "request_text", "response_text"))
    theirs = set()
    for record in candidates.iterator(chunk_size=500):
        scrubber = Scrubber(subject, record.integration_id, learning=True)
        scrubber.json([record.request, record.response])
        texts = (record.source_id, record.source_ref, record.message, record.customer_email)
        if scrubber.owned_any or (record.integration_id, record.source_id) in subject.keys \
                or any(subject.mentioned_in(text) for text in texts):
            theirs.add((record.integration_id, record.object_type, record.source_id))
    # Every attempt of the same source object is about the same order, so the same person.
    same_object = [Q(integration_id=i, object_type=t, source_id=s) for i, t, s in theirs]
    return list(SyncRecord.objects.filter(reduce(or_, same_object, Q(pk__in=[]))).values_list("pk", flat=True))


# --- erasing ------------------------------------------------------------------------------------


def erase_customer(*, email: str = "", centra_customer_id: str = "", integration: Integration | None = None,
                   user=None, dry_run: bool = False) -> ErasureReport:
    """Erase one customer's personal data from the engine's tables (from one integration's only, if
    given). A dry run reports what would change and changes nothing. `user` is who handles the
    request: the audit entry is theirs.

    The search reads outside any transaction, so workers keep writing meanwhile; the changed rows
    and the audit entry are then written in one short transaction."""
    email, centra_customer_id = (email or "").strip(), str(centra_customer_id or "").strip()
    if not email and not centra_customer_id:
        raise ValueError("Give the customer's e-mail, Centra customer id, or both.")
    if not dry_run and not getattr(user, "pk", None):
        raise ValueError("An erasure is audited: give the staff user who handles the request.")
    integrations = Integration.objects.filter(pk=integration.pk) if integration else Integration.objects.all()
    report = ErasureReport(dry_run=dry_run)
    subject, links = find_subject(email, centra_customer_id, integrations)
    record_ids = _their_records(subject, integrations) if subject.emails or subject.keys else []
    rows = _Rows(subject, report)
    for learning in (True, False):  # first learn their names and addresses, then erase everywhere
        rows.learning = learning
        rows.records(record_ids)
        rows.links(links)
    rows.events(integrations)
    rows.texts(SyncRun.objects.filter(flow__integration__in=integrations), "sync runs", ["error_message"])
    rows.texts(Alert.objects.all() if integration is None else Alert.objects.filter(integration=integration),
               "alerts", ["subject", "title", "message"])
    rows.reports(integrations)
    if not dry_run:
        with transaction.atomic():
            rows.save()
            _audit(user, integration, centra_customer_id, report)
    return report


class _Rows:
    """Applies the scrubber to each kind of row and keeps the rows that changed, to save at once."""

    def __init__(self, subject: Subject, report: ErasureReport):
        self.subject, self.report, self.learning = subject, report, False
        self.changed: dict[type, tuple[list[str], list]] = {}

    def _done(self, table: str, scrubber: Scrubber, row, fields: list[str]) -> None:
        if self.learning or not scrubber.replaced:
            return
        self.report.counts[table] += 1
        self.report.values += scrubber.replaced
        self.changed.setdefault(type(row), (fields, []))[1].append(row)

    def save(self) -> None:
        for model, (fields, rows) in self.changed.items():
            model.objects.bulk_update(rows, fields, batch_size=500)

    def records(self, record_ids: list[int]) -> None:
        for start in range(0, len(record_ids), 500):
            for record in SyncRecord.objects.filter(pk__in=record_ids[start:start + 500]):
                whole = (record.integration_id, record.source_id) in self.subject.keys
                scrubber = Scrubber(self.subject, record.integration_id, learning=self.learning, whole=whole)
                request, response = scrubber.json(record.request), scrubber.json(record.response)
                source = scrubber.json(record.source)
                if self.learning:
                    continue
                record.request, record.response, record.source = request, response, source
                record.source_ref, record.message = scrubber.text(record.source_ref), scrubber.text(record.message)
                record.customer_email = scrubber.text(record.customer_email)  # the sync log's e-mail search key
                record.source_id = self._key(record.integration_id, record.source_id, scrubber)
                self._done("sync records", scrubber, record, ["request", "response", "source", "source_ref",
                                                              "message", "customer_email", "source_id"])

    def links(self, links: Iterable[RecordLink]) -> None:
        for link in links:
            scrubber = Scrubber(self.subject, link.integration_id, learning=self.learning)
            sent = scrubber.json(link.sent, owned=is_person(link))  # their own customer record: every field
            if self.learning:
                continue
            link.sent = sent
            link.source_id, link.updated_at = self._key(link.integration_id, link.source_id, scrubber), timezone.now()
            self._done("record links", scrubber, link, ["sent", "source_id", "updated_at"])

    def _key(self, integration_id: int, source_id: str, scrubber: Scrubber) -> str:
        """A key made of the e-mail becomes the link's erased key; other ids stay as they are."""
        key = self.subject.renamed.get((integration_id, source_id))
        if key:
            scrubber.replaced += 1
            return key
        return scrubber.text(source_id) if self.subject.mentioned_in(source_id) else source_id

    def events(self, integrations) -> None:
        events = WebhookEvent.objects.filter(integration__in=integrations).annotate(
            payload_text=Cast("payload", TextField()))
        for event in events.filter(_text_match(self.subject, "payload_text", "raw_body", "error", "object_id")):
            scrubber = Scrubber(self.subject, event.integration_id)
            event.payload = scrubber.json(event.payload)
            event.raw_body, event.error = scrubber.text(event.raw_body), scrubber.text(event.error)
            event.object_id = scrubber.text(event.object_id)
            self._done("webhook events", scrubber, event, ["payload", "raw_body", "error", "object_id"])

    def texts(self, rows, table: str, fields: list[str]) -> None:
        for row in rows.filter(_text_match(self.subject, *fields)):
            scrubber = Scrubber(self.subject, getattr(row, "integration_id", None))
            for name in fields:
                setattr(row, name, scrubber.text(getattr(row, name)))
            self._done(table, scrubber, row, fields)

    def reports(self, integrations) -> None:
        reports = ReconciliationReport.objects.filter(integration__in=integrations).annotate(
            differences_text=Cast("differences", TextField()))
        for report in reports.filter(_text_match(self.subject, "differences_text")):
            scrubber = Scrubber(self.subject, report.integration_id)
            report.differences = scrubber.json(report.differences)
            self._done("reconciliation reports", scrubber, report, ["differences"])


def _audit(user, integration: Integration | None, centra_customer_id: str, report: ErasureReport) -> None:
    """One entry in the audit trail: who, when, how much; the customer's data is not repeated."""
    who = f"Centra customer {centra_customer_id}" if centra_customer_id else "a customer (by e-mail)"
    where = f" in {integration.slug}" if integration else ""
    LogEntry.objects.create(
        user_id=user.pk, action_flag=CHANGE, object_repr="Personal data erasure",
        content_type=ContentType.objects.get_for_model(Integration) if integration else None,
        object_id=str(integration.pk) if integration else None,
        change_message=f"Erased the personal data of {who}{where}: {report.summary()}.",
    )
