"""A mapping edit is previewed on one real record before it is saved: the unsaved rows are applied
in memory, the preview says what they change, and nothing is written."""

from html.parser import HTMLParser

import pytest

from integrations.preview import preview_unsaved
from mappings.models import FieldMapping, ValueMapEntry
from mappings.services import install_preset

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klarna_on_unknown_terms(world):
    """A value map someone got wrong: Fortnox has no terms of payment K30."""
    install_preset(world.integration, "orders")
    return ValueMapEntry.objects.create(integration=world.integration, map_name="terms_of_payment",
                                        source_value="Klarna Checkout", target_value="K30")


def test_an_unsaved_value_map_edit_shows_in_the_preview_and_is_not_saved(world, klarna_on_unknown_terms):
    shipment = world.ship(world.order(("COAT", 1, "1500")))
    klarna_on_unknown_terms.target_value = "30"  # edited on the page, not saved

    result = preview_unsaved(world.flow, str(shipment.pk), FieldMapping.objects.filter(integration=world.integration),
                             [klarna_on_unknown_terms])

    assert result["documents"]["Invoice"]["TermsOfPayment"] == "30"
    assert result["changes"] == [("Invoice.TermsOfPayment", "K30", "30")]
    klarna_on_unknown_terms.refresh_from_db()
    assert klarna_on_unknown_terms.target_value == "K30"
    assert world.invoices() == []


def test_a_new_unsaved_field_mapping_is_applied_and_a_deleted_one_left_out(world):
    install_preset(world.integration, "orders")
    shipment = world.ship(world.order(("COAT", 1, "1500")))
    saved = list(FieldMapping.objects.filter(integration=world.integration, flow_kind="orders")
                 .exclude(target="Invoice.Remarks"))  # deleted on the page
    added = FieldMapping(integration=world.integration, flow_kind="orders", target="Invoice.OurReference",
                         transform="constant", argument="Checked by staff")
    before = FieldMapping.objects.count()

    result = preview_unsaved(world.flow, str(shipment.pk), [*saved, added], [])

    invoice = result["documents"]["Invoice"]
    assert invoice["OurReference"] == "Checked by staff"
    assert "Remarks" not in invoice
    assert ("Invoice.OurReference", None, "Checked by staff") in result["changes"]
    assert FieldMapping.objects.count() == before


def test_a_bad_record_number_gives_the_error_and_advice(world):
    result = preview_unsaved(world.flow, "999999", FieldMapping.objects.filter(integration=world.integration), [])
    assert result["error"] == "not_found"
    assert "changes" not in result


class FormFields(HTMLParser):
    """What a browser would post from the page's main form: inputs, checked boxes, selected options."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea, self.data = form_id, False, None, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or not attrs.get("name") and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.data.append((attrs["name"], attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "select":
            self.select = [attrs["name"], None, None]
        elif tag == "option" and self.select:
            if self.select[2] is None:
                self.select[2] = attrs.get("value", "")
            if "selected" in attrs:
                self.select[1] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            name, chosen, first = self.select
            self.data.append((name, chosen if chosen is not None else (first or "")))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "form":
            self.inside = False


def posted(page: str, changes: dict) -> dict:
    parser = FormFields("integration_form")
    parser.feed(page)
    data: dict = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [value]
    return data


def test_the_integration_page_previews_its_unsaved_value_map_edit(world, klarna_on_unknown_terms, admin_client):
    order = world.order(("COAT", 1, "1500"))
    world.ship(order)
    integration = world.integration
    change_url = f"/admin/integrations/integration/{integration.pk}/change/"
    page = admin_client.get(change_url).content.decode()
    assert 'id="mapping-preview-form"' in page
    entry_id = [str(klarna_on_unknown_terms.pk)]
    row = next(name[: -len("-id")] for name, values in posted(page, {}).items()
               if name.startswith("value_maps-") and name.endswith("-id") and values == entry_id)

    answer = admin_client.post(f"/admin/integrations/integration/{integration.pk}/mapping-preview/", posted(page, {
        f"{row}-target_value": "30", "preview_flow": str(world.flow.pk), "preview_reference": order.number,
    }))

    text = answer.content.decode()
    assert answer.status_code == 200
    assert "Nothing was saved" in text
    assert "<tr><td><code>Invoice.TermsOfPayment</code></td><td>K30</td><td><b>30</b></td></tr>" in text
    klarna_on_unknown_terms.refresh_from_db()
    assert klarna_on_unknown_terms.target_value == "K30"


def test_an_unknown_number_or_a_bad_row_gives_a_message_never_a_500(world, klarna_on_unknown_terms, admin_client):
    integration = world.integration
    url = f"/admin/integrations/integration/{integration.pk}/mapping-preview/"
    page = admin_client.get(f"/admin/integrations/integration/{integration.pk}/change/").content.decode()

    unknown = admin_client.post(url, posted(page, {"preview_flow": str(world.flow.pk), "preview_reference": "77777"}))
    assert unknown.status_code == 200
    assert "<code>not_found</code>" in unknown.content.decode()
    assert "77777" in unknown.content.decode()
    unknown = admin_client.post(url, posted(page, {"preview_flow": str(world.flow.pk), "preview_reference": "NOPE-1"}))
    assert "Nothing in Centra is called NOPE-1" in unknown.content.decode()

    missing = admin_client.post(url, {"preview_flow": str(world.flow.pk), "preview_reference": "1"})  # no rows posted
    assert missing.status_code == 200
    assert "invalid_mapping" in missing.content.decode()

    assert admin_client.get(url).status_code == 405
