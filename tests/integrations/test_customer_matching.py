"""Customers that stay right: one ERP customer per buyer, one per company, updated only on change.

Two flows describe a customer from different Centra records (the customers flow from Centra's
customer record, the orders flow from an order's billing address); neither may overwrite the other
back and forth, and a company keeps its name whoever buys for it.
"""

import pytest

from integrations.connectors.fortnox.client import FortnoxClient
from integrations.flows.runner import run_flow
from integrations.models import Flow
from sandbox.centra import services as centra

pytestmark = pytest.mark.django_db(transaction=True)

NORDIC = {"companyName": "Nordic Retail AB", "vatNumber": "SE556677889901"}


def enable_customers(world) -> Flow:
    flow, _ = Flow.objects.update_or_create(integration=world.integration, kind=Flow.Kind.CUSTOMERS,
                                            defaults={"enabled": True, "options": {}})
    return flow


@pytest.fixture
def fortnox_requests(monkeypatch):
    """(method, path) of every request the engine sends to Fortnox."""
    sent: list[tuple[str, str]] = []
    real = FortnoxClient.request

    def spy(self, method, path, **kwargs):
        sent.append((method, path))
        return real(self, method, path, **kwargs)

    monkeypatch.setattr(FortnoxClient, "request", spy)
    return sent


def test_email_changed_in_centra_updates_the_same_customer(world):
    buyer = centra.create_customer(world.store, "old@example.com", "Anna", "Berg")
    customers = enable_customers(world)
    run_flow(customers)
    buyer.email = "new@example.com"
    buyer.save()

    run = run_flow(customers)

    assert run.updated == 1
    [customer] = world.customers()
    assert (customer["Email"], customer["Name"]) == ("new@example.com", "Anna Berg")


def test_address_changed_on_a_new_order_updates_the_customer(world):
    buyer = centra.create_customer(world.store, "anna@example.com", "Anna", "Berg")
    world.ship(world.order(("COAT", 1, "1500"), email="anna@example.com", customer=buyer))
    run_flow(world.flow)
    world.ship(world.order(("SCARF", 1, "149"), email="anna@example.com", customer=buyer,
                           billing={"address1": "Nygatan 9", "city": "Uppsala", "zipCode": "75310"}))

    run_flow(world.flow)

    [customer] = world.customers()
    assert (customer["Address1"], customer["City"], customer["ZipCode"]) == ("Nygatan 9", "Uppsala", "75310")


def test_two_people_with_the_same_name_are_two_customers(world):
    centra.create_customer(world.store, "anna.berg@example.com", "Anna", "Berg")
    centra.create_customer(world.store, "anna.berg@elsewhere.example", "Anna", "Berg")

    run = run_flow(enable_customers(world))

    assert run.created == 2
    assert sorted(c["Email"] for c in world.customers()) == ["anna.berg@elsewhere.example",
                                                               "anna.berg@example.com"]


def test_two_buyers_of_one_company_are_one_customer(world):
    karin = centra.create_customer(world.store, "karin@nordic.example", "Karin", "Ek")
    olle = centra.create_customer(world.store, "olle@nordic.example", "Olle", "Ek")
    run_flow(enable_customers(world))  # each person first becomes a customer of their own, by e-mail
    world.ship(world.order(("COAT", 1, "1500"), email=karin.email, customer=karin,
                           billing={**NORDIC, "firstName": "Karin", "lastName": "Ek"}))
    world.ship(world.order(("SCARF", 1, "149"), email=olle.email, customer=olle,
                           billing={**NORDIC, "firstName": "Olle", "lastName": "Ek"}))

    run = run_flow(world.flow)

    assert run.created == 2
    companies = [c for c in world.customers() if c["Name"] == "Nordic Retail AB"]
    assert len(companies) == 1
    invoices = world.invoices()
    assert {i["CustomerNumber"] for i in invoices} == {companies[0]["CustomerNumber"]}


def test_company_keeps_its_name_and_its_buyer_becomes_its_reference(world):
    karin = centra.create_customer(world.store, "inkop@nordicretail.example", "Karin", "Ek")
    customers = enable_customers(world)
    run_flow(customers)
    world.ship(world.order(("COAT", 1, "1500"), email=karin.email, customer=karin,
                           billing={**NORDIC, "firstName": "Karin", "lastName": "Ek"}))
    run_flow(world.flow)

    for _ in range(3):  # the customers flow runs again and again, as the scheduler does
        karin.save()  # Centra's record is touched (its updatedAt moves) without a change we send
        run_flow(customers)
        run_flow(world.flow)

    [company] = world.customers()
    assert company["Name"] == "Nordic Retail AB"
    assert company["Type"] == "COMPANY"
    assert company["OrganisationNumber"] == "556677-8899"
    assert company["YourReference"] == "Karin Ek"


def test_customers_run_with_nothing_changed_in_centra_sends_no_request(world, fortnox_requests):
    anna = centra.create_customer(world.store, "anna@example.com", "Anna", "Berg")
    centra.create_customer(world.store, "bo@example.com", "Bo", "Ek")
    customers = enable_customers(world)
    run_flow(customers)
    world.ship(world.order(("COAT", 1, "1500"), email=anna.email, customer=anna))
    run_flow(world.flow)
    fortnox_requests.clear()

    run = run_flow(customers)  # re-reads both (they changed within the overlap) but nothing differs

    assert fortnox_requests == []
    assert (run.created, run.updated) == (0, 0)
