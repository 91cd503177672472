"""Credentials are encrypted at rest with rotatable Fernet keys and never shown back."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db

from integrations.crypto import decrypt, encrypt, mask
from integrations.models import Connection, Organization

pytestmark = pytest.mark.django_db


def test_credentials_are_stored_as_ciphertext():
    org = Organization.objects.create(name="Shop", slug="shop")
    conn = Connection.objects.create(
        organization=org, name="Centra", kind="centra", base_url="https://x.test",
        credentials={"api_token": "plain-centra-token-123"},
    )
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection WHERE id = %s", [conn.pk])
        raw = cursor.fetchone()[0]
    assert "plain-centra-token-123" not in raw
    assert Connection.objects.get(pk=conn.pk).credentials == {"api_token": "plain-centra-token-123"}


def test_a_prepended_key_rotates_without_losing_old_ciphertext(settings):
    old = settings.CREDENTIALS_KEYS[0]
    token = encrypt({"secret": "x"})
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode(), old]
    assert decrypt(token) == {"secret": "x"}
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        decrypt(token)


def test_mask_shows_only_the_last_four_characters():
    assert mask("abcdefghijklmnop") == "••••••••mnop"
    assert mask("short") == "••••••••"
    assert mask("") == ""
