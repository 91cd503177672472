"""Posting groups (Business Central's bookkeeping) are edited as `key = group` lines, on BC shops only."""

import pytest

from integrations.admin.forms import PostingGroupsForm
from tests import factories

pytestmark = pytest.mark.django_db


def test_posting_groups_are_typed_one_pair_per_line_and_read_back_as_tables():
    form = PostingGroupsForm(data={"domestic": "DOMESTIC", "eu_reverse_charge": "EU", "eu_home_vat": "EU-HOME",
                                   "export": "EXPORT", "oss": "de = oss-de\nFR=OSS-FR\n",
                                   "vat_products": "25 = vat25\n5,5 % = VAT5.5"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["oss"] == {"DE": "OSS-DE", "FR": "OSS-FR"}
    assert form.cleaned_data["vat_products"] == {"25": "VAT25", "5.5": "VAT5.5"}


@pytest.mark.parametrize(("field", "text", "says"), [
    ("oss", "Germany = OSS-DE", "a country is two letters"),
    ("oss", "DE OSS-DE", "write it as `key = posting group`"),
    ("vat_products", "standard = VAT25", "a VAT rate is a number"),
    ("vat_products", "25 = " + "X" * 21, "at most 20 characters"),
])
def test_a_line_that_is_not_a_pair_says_which_line_and_how_to_write_it(field, text, says):
    form = PostingGroupsForm(data={"domestic": "DOMESTIC", "eu_reverse_charge": "EU", "eu_home_vat": "EU-HOME",
                                   "export": "EXPORT", field: text})

    assert not form.is_valid()
    assert "Line 1:" in str(form.errors[field])
    assert says in str(form.errors[field])


def test_posting_groups_show_only_on_integrations_whose_erp_books_by_them(admin_client):
    bc = factories.integration(factories.centra_connection(),
                               factories.business_central_connection(), slug="bc-shop")
    fortnox = factories.integration(bc.source,
                                    factories.fortnox_connection(), slug="fortnox-shop")

    bc_page = admin_client.get(f"/admin/integrations/integration/{bc.pk}/change/").content.decode()
    fortnox_page = admin_client.get(f"/admin/integrations/integration/{fortnox.pk}/change/").content.decode()

    assert "OSS countries" in bc_page
    assert "OSS countries" not in fortnox_page
