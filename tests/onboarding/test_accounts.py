"""Accounts: sign-up with the company, e-mail verification, invitations and roles."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from integrations.models import Membership, Organization
from onboarding.models import Invitation
from onboarding.orgnumber import normalise

from .fixtures import PASSWORD, make_owner

pytestmark = pytest.mark.django_db


def test_signup_creates_the_company_with_its_owner_after_email_verification(client):
    answer = client.post(reverse("account_signup"), {
        "company_name": "Nordic Wool AB", "organisation_number": "5566778899", "email": "eva@nordicwool.example",
        "contact_email": "alerts@nordicwool.example", "password1": PASSWORD, "password2": PASSWORD})
    assert answer.status_code == 302
    organization = Organization.objects.get(name="Nordic Wool AB")
    assert organization.contact_email == "alerts@nordicwool.example"
    assert organization.company.organisation_number == "556677-8899"
    assert organization.memberships.get().role == Membership.Role.OWNER
    # Not logged in before the address is confirmed: the mail carries the link.
    assert client.get("/app/").status_code == 302
    confirm = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = confirm.split("testserver", 1)[-1] if "testserver" in confirm else "/" + confirm.split("/", 3)[3]
    assert client.post(path).status_code == 302
    assert client.get("/app/").status_code == 200


def test_signup_refuses_an_organisation_number_with_a_wrong_check_digit(client):
    answer = client.post(reverse("account_signup"), {
        "company_name": "Typo AB", "organisation_number": "556677-8898", "email": "t@typo.example",
        "contact_email": "t@typo.example", "password1": PASSWORD, "password2": PASSWORD})
    assert answer.status_code == 200
    assert "check digit" in answer.content.decode()
    assert not Organization.objects.filter(name="Typo AB").exists()
    assert normalise("556677 8899") == "556677-8899"


def test_anonymous_users_are_sent_to_log_in():
    from django.test import Client

    for url in ("/app/", "/get-started/", "/get-started/centra/", "/app/settings/"):
        answer = Client().get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith("/accounts/login/"), url


def test_an_invited_colleague_sets_a_password_and_joins_as_viewer(owner_client):
    answer = owner_client.post(reverse("onboarding:invite"), {"email": "Kim@Shop.example", "role": "member"})
    assert answer.status_code == 302
    invitation = Invitation.objects.get(email="kim@shop.example")
    link = re.search(r"http://\S+", mail.outbox[-1].body).group(0)
    assert invitation.token in link
    owner_client.logout()
    page = owner_client.post(reverse("onboarding:accept-invitation", args=[invitation.token]),
                             {"password1": PASSWORD, "password2": PASSWORD})
    assert page.status_code == 302
    membership = Membership.objects.get(user__email="kim@shop.example")
    assert membership.organization == owner_client.organization
    assert membership.role == Membership.Role.MEMBER
    # The link is spent.
    again = owner_client.get(reverse("onboarding:accept-invitation", args=[invitation.token]))
    assert again.status_code == 410


def test_a_viewer_cannot_invite_or_change_settings(client):
    _, organization = make_owner()
    viewer, _ = make_owner("viewer@shop.example", role=Membership.Role.MEMBER, organization=organization)
    client.force_login(viewer)
    assert client.get(reverse("onboarding:settings")).status_code == 200
    assert client.post(reverse("onboarding:invite"), {"email": "x@y.example", "role": "owner"}).status_code == 403
    assert client.post(reverse("onboarding:settings-save"),
                       {"company_name": "Hacked", "contact_email": "x@y.example"}).status_code == 403
    assert client.post(reverse("onboarding:wizard-centra"), {"base_url": "https://a.example"}).status_code == 403
    organization.refresh_from_db()
    assert organization.name == "Shop AB"
    assert not Invitation.objects.exists()


def test_staff_create_a_shop_and_invite_its_owner(admin_client):
    answer = admin_client.post(reverse("onboarding:staff-new-shop"), {
        "company_name": "Fjäll AB", "organisation_number": "556677-8899", "owner_email": "boss@fjall.example"})
    assert answer.status_code == 302
    invitation = Invitation.objects.get(email="boss@fjall.example")
    assert invitation.organization.name == "Fjäll AB"
    assert invitation.role == Membership.Role.OWNER
    assert "boss@fjall.example" in mail.outbox[-1].to


def test_settings_with_a_bad_email_come_back_with_what_was_typed_and_the_error_beside_the_field(client):
    owner, organization = make_owner()
    client.force_login(owner)

    answer = client.post(reverse("onboarding:settings-save"),
                         {"company_name": "Shop Renamed AB", "contact_email": "not-an-address"})

    page = answer.content.decode()
    assert answer.status_code == 400
    assert 'value="Shop Renamed AB"' in page
    assert 'value="not-an-address"' in page
    field = page.split('name="contact_email"')[1].split('<div class="field">')[0]
    assert "Enter a valid email address." in field  # next to its field, not a message at the top
    organization.refresh_from_db()
    assert (organization.name, organization.contact_email) != ("Shop Renamed AB", "not-an-address")
