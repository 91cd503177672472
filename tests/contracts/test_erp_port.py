"""The ERP port's contract: what every ERP adapter must do, proven over HTTP against its simulator.

Flows, reconciliation, previews and health checks rely on exactly these behaviours; a second ERP
is ready when this suite passes for it too (add its harness in conftest.ADAPTERS).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from integrations.domain.documents import Article, Customer, ErpCompany, Invoice, InvoiceRow
from integrations.domain.erp import ACCOUNT_ROLES, ERP
from integrations.domain.errors import SyncError

TODAY = date.today()


def customer(email="anna.berg@example.com", **fields) -> Customer:
    values = {"source_id": f"email-{email}", "email": email, "name": "Anna Berg", "is_company": False,
              "country_code": "SE", "country_is_eu": True, "currency": "SEK"}
    return Customer(**{**values, **fields})


def invoice(reference: str, *rows: InvoiceRow, credit_of: str = "", buyer: Customer | None = None) -> Invoice:
    return Invoice(external_reference=reference, customer=buyer or customer(), currency="SEK", invoice_date=TODAY,
                   rows=list(rows), order_number="1001", shipment_number="1001-1", credit_of=credit_of)


def coat(quantity="1") -> InvoiceRow:
    return InvoiceRow("Wool Coat", Decimal(quantity), Decimal("1500.00"), Decimal("25"), article_number="COAT")


def with_article(erp: ERP, number="COAT", description="Wool Coat") -> str:
    if not erp.find_article(number):
        erp.create_article(Article(source_id=number, article_number=number, description=description))
    return number


def test_the_adapter_speaks_the_whole_port(erp):
    assert isinstance(erp, ERP)


def test_check_names_the_company_reached(erp):
    company = erp.check()

    assert isinstance(company, ErpCompany)
    assert company.name


def test_bookkeeping_defaults_are_account_numbers_by_role(erp):
    defaults = erp.bookkeeping_defaults()

    assert set(defaults) <= set(ACCOUNT_ROLES)
    assert all(isinstance(number, int) and number > 0 for number in defaults.values())


def test_a_created_customer_is_found_by_email_and_organisation_number(erp):
    company = customer("inkop@nordic.example", name="Nordic Retail AB", is_company=True,
                       organisation_number="556677-8899", contact_person="Karin Ek")

    created = erp.create_customer(company)

    assert created.created
    assert erp.find_customers_by_email("INKOP@nordic.example") == [created.target_id]
    assert erp.find_customers_by_organisation_number("5566778899") == [created.target_id]
    assert erp.find_customers_by_email("nordic.example") == []  # never a substring match


def test_an_update_sends_only_the_given_fields_and_what_is_held_shows_it(erp):
    number = erp.create_customer(customer()).target_id
    moved = customer(email="anna.new@example.com")
    wanted = erp.customer_fields(moved, erp.held_customer_fields(number))

    erp.update_customer(number, moved, {name: wanted[name] for name in wanted if "mail" in name.lower()})

    held = erp.held_customer_fields(number)
    assert erp.customer_fields(moved, held) == {name: value for name, value in wanted.items()
                                                if str(held.get(name) or "") == str(value or "")}
    assert erp.find_customers_by_email("anna.new@example.com") == [number]


def test_an_invoice_is_found_again_by_our_reference_and_summarised(erp):
    with_article(erp)
    buyer = erp.create_customer(customer()).target_id
    document = invoice("centra-shipment-7781", coat("2"))
    erp.validate_invoice(document)

    created = erp.create_invoice(document, buyer)

    assert erp.find_invoice("centra-shipment-7781") == created.target_id
    assert erp.find_invoice("centra-shipment-778") is None  # exact reference only
    summary = erp.document_summary(created.target_id)
    assert (summary.external_reference, summary.total, summary.is_credit) == ("centra-shipment-7781",
                                                                             Decimal("3000.00"), False)
    listed = {s.number: s for s in erp.document_summaries(TODAY - timedelta(days=1), TODAY + timedelta(days=1))}
    assert listed[created.target_id].total == Decimal("3000.00")


def test_a_credit_invoice_credits_its_invoice_for_exactly_the_returned_rows(erp):
    with_article(erp)
    buyer = erp.create_customer(customer()).target_id
    original = erp.create_invoice(invoice("centra-shipment-1", coat("2")), buyer).target_id

    credit = erp.create_invoice(invoice("centra-return-1", coat("-1"), credit_of=original), buyer)

    summary = erp.document_summary(credit.target_id)
    assert (summary.is_credit, summary.total, summary.external_reference) == (True, Decimal("-1500.00"),
                                                                            "centra-return-1")
    assert erp.find_invoice("centra-return-1") == credit.target_id


def test_a_second_credit_of_one_invoice_is_exact_too(erp):
    with_article(erp)
    buyer = erp.create_customer(customer()).target_id
    original = erp.create_invoice(invoice("centra-shipment-2", coat("2")), buyer).target_id
    erp.create_invoice(invoice("centra-return-2", coat("-1"), credit_of=original), buyer)

    second = erp.create_invoice(invoice("centra-return-3", coat("-1"), credit_of=original), buyer)

    assert erp.document_summary(second.target_id).total == Decimal("-1500.00")


@pytest.mark.parametrize(("document", "code"), [
    (invoice("r", InvoiceRow("Ghost", Decimal(1), Decimal(1), Decimal(25), article_number="NO-SUCH")), "unknown_sku"),
    (invoice("r", InvoiceRow("Bad", Decimal(1), Decimal(1), Decimal(25), article_number="TOTE Å")),
     "invalid_article_number"),
    (invoice("r", *[InvoiceRow(f"Row {i}", Decimal(1), Decimal(1), Decimal(25), account=3001) for i in range(501)]),
     "too_many_rows"),
])
def test_what_the_erp_would_refuse_is_refused_before_anything_is_sent(erp, document, code):
    sent = len(erp.journal)

    with pytest.raises(SyncError) as refused:
        erp.validate_invoice(document)

    assert refused.value.code == code
    assert all(exchange.method == "GET" for exchange in erp.journal[sent:])


def test_an_unknown_currency_is_refused_before_sending(erp):
    with_article(erp)
    document = Invoice(external_reference="r", customer=customer(), currency="XXX", invoice_date=TODAY, rows=[coat()])

    with pytest.raises(SyncError) as refused:
        erp.validate_invoice(document)

    assert refused.value.code == "unsupported_currency"


def test_rendering_a_document_sends_nothing(erp):
    sent = len(erp.journal)

    rendered = erp.render_invoice(invoice("centra-shipment-9", coat()), "1")
    erp.render_customer(customer())

    assert rendered
    assert len(erp.journal) == sent


def test_articles_are_upserted_priced_and_their_stock_read(erp):
    number = with_article(erp, "SCARF", "Wool Scarf")

    erp.update_article(number, Article(source_id=number, article_number=number, description="Grey Wool Scarf"))
    erp.set_sales_price(number, Decimal("149.00"), None)  # None: the ERP's default price list

    assert erp.find_article(number) == number
    assert erp.find_article("NO-SUCH-ARTICLE") is None
    level = erp.stock_level(number)
    assert level is not None
    assert level.article_number == number
    assert number in {stock.article_number for stock in erp.stock_levels(None)}
    with pytest.raises(SyncError) as refused:
        erp.check_article_number("TOTE Å")
    assert refused.value.code == "invalid_article_number"
