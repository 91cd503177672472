"""Secrets typed into the console are encrypted; an empty box keeps what is stored."""

import pytest

from integrations.forms import ConnectionForm
from tests import factories

pytestmark = pytest.mark.django_db


def form_data(connection, **secrets):
    return {"organization": connection.organization_id, "name": connection.name, "kind": connection.kind,
            "base_url": connection.base_url, "auth_url": connection.auth_url, "settings": "{}", **secrets}


def test_new_secret_replaces_the_stored_one_and_empty_boxes_keep_the_rest():
    connection = factories.fortnox_connection()
    form = ConnectionForm(form_data(connection, refresh_token="typed-refresh-token"), instance=connection)
    assert form.is_valid(), form.errors
    form.save()

    connection.refresh_from_db()
    assert connection.credentials["refresh_token"] == "typed-refresh-token"
    assert connection.credentials["client_secret"] == "client-secret-value"


def test_secret_boxes_never_render_the_stored_value():
    connection = factories.fortnox_connection()
    html = ConnectionForm(instance=connection).as_p()
    assert "client-secret-value" not in html
    assert "refresh-old-0000" not in html
