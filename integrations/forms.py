"""Admin forms. Secrets are write-only: typed in, encrypted, never rendered back."""

from django import forms

from .connections import set_credentials
from .connectors.urlsafety import url_problem
from .models import Connection

SECRET_FIELDS = {
    Connection.Kind.CENTRA: ("api_token", "webhook_secret"),
    Connection.Kind.FORTNOX: ("client_id", "client_secret", "access_token", "refresh_token"),
}
ALL_SECRET_FIELDS = sorted({name for names in SECRET_FIELDS.values() for name in names})


def secret_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored value. Stored encrypted; never shown again.",
    )


class ConnectionForm(forms.ModelForm):
    """Connection settings plus one password box per secret; an empty box keeps the stored value."""

    base_url = forms.URLField(assume_scheme="https", help_text=Connection._meta.get_field("base_url").help_text)
    auth_url = forms.URLField(
        assume_scheme="https", required=False, help_text=Connection._meta.get_field("auth_url").help_text
    )
    api_token = secret_field("Centra API token")
    webhook_secret = secret_field("Centra webhook secret")
    client_id = secret_field("Fortnox client id")
    client_secret = secret_field("Fortnox client secret")
    access_token = secret_field("Fortnox access token")
    refresh_token = secret_field("Fortnox refresh token")

    class Meta:
        model = Connection
        fields = ["organization", "name", "kind", "base_url", "auth_url", "settings"]

    # An address Junipeer may not call is a field error now, not failed records later.
    def clean_base_url(self):
        return self._outbound_url("base_url")

    def clean_auth_url(self):
        return self._outbound_url("auth_url")

    def _outbound_url(self, name: str) -> str:
        url = self.cleaned_data.get(name)
        error = url_problem(url) if url else None
        if error:
            raise forms.ValidationError(error, code="unsafe_url")
        return url

    def save(self, commit=True):
        connection = super().save(commit=commit)
        secrets = {name: self.cleaned_data.get(name) for name in ALL_SECRET_FIELDS}
        if any(secrets.values()):
            if connection.pk is None:
                connection.save()
            set_credentials(connection, **secrets)
        return connection
