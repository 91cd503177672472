"""The /3/ resources. Thin: parse, call the resource module, wrap the answer."""

from decimal import Decimal

from . import articles, customers, invoice_actions, invoices, prices, registers
from .api import Call, api_view

INVOICE_ACTIONS = {
    "bookkeep": invoice_actions.bookkeep,
    "cancel": invoice_actions.cancel,
    "credit": invoice_actions.credit,
    "externalprint": invoice_actions.externalprint,
    "warehouseready": invoice_actions.warehouseready,
}


@api_view("customer", ("GET", "POST"))
def customer_list(call: Call):
    if call.request.method == "GET":
        return call.page("Customers", customers.search(call.tenant, call.params), customers.render_list_item)
    customer = customers.create(call.tenant, call.body("Customer"))
    return call.created("Customer", customers.render(customer, call.base), "customers")


@api_view("customer", ("GET", "PUT", "DELETE"))
def customer_detail(call: Call, number: str):
    if call.request.method == "DELETE":
        customers.delete(call.tenant, number)
        return call.deleted()
    if call.request.method == "PUT":
        customer = customers.update(call.tenant, number, call.body("Customer"))
    else:
        customer = customers.get(call.tenant, number)
    return call.record("Customer", customers.render(customer, call.base))


@api_view("invoice", ("GET", "POST"))
def invoice_list(call: Call):
    if call.request.method == "GET":
        return call.page("Invoices", invoices.search(call.tenant, call.params), invoices.render_list_item)
    invoice = invoices.create(call.tenant, call.body("Invoice"))
    return call.created("Invoice", invoices.render(invoice, call.base), "invoices")


@api_view("invoice", ("GET", "PUT"))
def invoice_detail(call: Call, number: str):
    if call.request.method == "PUT":
        invoice = invoices.update(call.tenant, number, call.body("Invoice"))
    else:
        invoice = invoices.get(call.tenant, number)
    return call.record("Invoice", invoices.render(invoice, call.base))


@api_view("invoice", ("PUT",))
def invoice_action(call: Call, number: str, action: str):
    invoice = INVOICE_ACTIONS[action](call.tenant, number)
    return call.record("Invoice", invoices.render(invoice, call.base))


@api_view("article", ("GET", "POST"))
def article_list(call: Call):
    if call.request.method == "GET":
        return call.page("Articles", articles.search(call.tenant, call.params), articles.render_list_item)
    article = articles.create(call.tenant, call.body("Article"))
    return call.created("Article", articles.render(article, call.base), "articles")


@api_view("article", ("GET", "PUT", "DELETE"))
def article_detail(call: Call, number: str):
    if call.request.method == "DELETE":
        articles.delete(call.tenant, number)
        return call.deleted()
    if call.request.method == "PUT":
        article = articles.update(call.tenant, number, call.body("Article"))
    else:
        article = articles.get(call.tenant, number)
    return call.record("Article", articles.render(article, call.base))


@api_view("currency", ("GET",))
def currency_list(call: Call):
    return call.page("Currencies", registers.currencies(call.tenant), registers.render_currency)


@api_view("currency", ("GET",))
def currency_detail(call: Call, code: str):
    return call.record("Currency", registers.render_currency(registers.currency(call.tenant, code), call.base))


@api_view("bookkeeping", ("GET",))
def account_list(call: Call):
    return call.page("Accounts", registers.accounts(call.tenant, call.params), registers.render_account)


@api_view("bookkeeping", ("GET",))
def account_detail(call: Call, number: str):
    return call.record("Account", registers.render_account(registers.account(call.tenant, number), call.base))


@api_view("settings", ("GET",))
def predefined_account_list(call: Call):
    return call.page("PreDefinedAccounts", registers.predefined_accounts(call.tenant),
                     registers.render_predefined_account)


@api_view("settings", ("GET",))
def predefined_account_detail(call: Call, name: str):
    predefined = registers.predefined_account(call.tenant, name)
    return call.record("PreDefinedAccount", registers.render_predefined_account(predefined, call.base))


@api_view("settings", ("GET",))
def terms_of_payment_list(call: Call):
    return call.page("TermsOfPayments", registers.terms_of_payment_list(call.tenant),
                     registers.render_terms_of_payment)


@api_view("settings", ("GET",))
def terms_of_payment_detail(call: Call, code: str):
    terms = registers.terms_of_payment(call.tenant, code)
    return call.record("TermsOfPayment", registers.render_terms_of_payment(terms, call.base))


@api_view("companyinformation", ("GET",))
def company_information(call: Call):
    return call.record("CompanyInformation", registers.company_information(call.tenant))


@api_view("settings", ("GET",))
def company_settings(call: Call):
    return call.record("CompanySettings", registers.company_settings(call.tenant))


@api_view("price", ("GET", "POST"))
def price_list_list(call: Call):
    if call.request.method == "GET":
        return call.page("PriceLists", prices.price_lists(call.tenant), prices.render_price_list)
    price_list = prices.create_price_list(call.tenant, call.body("PriceList"))
    return call.created("PriceList", prices.render_price_list(price_list, call.base), "pricelists")


@api_view("price", ("GET", "PUT"))
def price_list_detail(call: Call, code: str):
    if call.request.method == "PUT":
        price_list = prices.update_price_list(call.tenant, code, call.body("PriceList"))
    else:
        price_list = prices.price_list(call.tenant, code)
    return call.record("PriceList", prices.render_price_list(price_list, call.base))


@api_view("price", ("POST",))
def price_create(call: Call):
    price = prices.create_price(call.tenant, call.body("Price"))
    return call.created("Price", prices.render_price(price, call.base), "prices")


@api_view("price", ("GET",))
def price_sublist(call: Call, code: str, number: str):
    return call.page("Prices", prices.prices_of(call.tenant, code, number), prices.render_price)


@api_view("price", ("GET", "PUT", "DELETE"))
def price_detail(call: Call, code: str, number: str, from_quantity: str = "0"):
    quantity = Decimal(from_quantity)
    if call.request.method == "DELETE":
        prices.delete_price(call.tenant, code, number, quantity)
        return call.deleted()
    if call.request.method == "PUT":
        price = prices.update_price(call.tenant, code, number, quantity, call.body("Price"))
    else:
        price = prices.price(call.tenant, code, number, quantity)
    return call.record("Price", prices.render_price(price, call.base))
