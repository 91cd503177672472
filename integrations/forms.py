"""Admin forms. Secrets are write-only: typed in, encrypted, never rendered back.

The credential boxes come from the connector registry: every registered system's credentials,
labelled with the system, so a new system adds its boxes without a change here.
"""

from django import forms

from .connections import set_credentials
from .connectors.urlsafety import url_problem
from .domain.registry import descriptors
from .models import Connection

KEEP = "Leave empty to keep the stored value."


def credential_boxes() -> dict[str, forms.CharField]:
    """One box per credential name any registered system uses (names shared by systems share a box)."""
    boxes: dict[str, forms.CharField] = {}
    for system in descriptors():
        for credential in system.credentials:
            box = boxes.get(credential.name)
            if box is not None:
                box.label = f"{box.label} / {system.label} {credential.label}"
                continue
            widget = forms.PasswordInput(render_value=False) if credential.secret else forms.TextInput
            note = "Stored encrypted; never shown again." if credential.secret else "Stored encrypted."
            boxes[credential.name] = forms.CharField(
                label=f"{system.label} {credential.label}", required=False, strip=True, widget=widget,
                help_text=" ".join(filter(None, [credential.help_text, KEEP, note])),
            )
    return boxes


def credential_names() -> list[str]:
    return list(credential_boxes())


class BaseConnectionForm(forms.ModelForm):
    """Connection settings plus one box per credential; an empty box keeps the stored value."""

    base_url = forms.URLField(assume_scheme="https", help_text=Connection._meta.get_field("base_url").help_text)
    auth_url = forms.URLField(
        assume_scheme="https", required=False, help_text=Connection._meta.get_field("auth_url").help_text
    )

    class Meta:
        model = Connection
        fields = ["organization", "name", "kind", "base_url", "auth_url", "settings"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            system = Connection(kind=kind).system
            foreign = [name for name in credential_names()
                       if cleaned.get(name) and name not in {c.name for c in system.credentials}]
            for name in foreign:
                self.add_error(name, f"A {system.label} connection has no {self.fields[name].label}.")
        return cleaned
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
        values = {c.name: self.cleaned_data.get(c.name) for c in connection.system.credentials}
        if any(values.values()):
            if connection.pk is None:
                connection.save()
            set_credentials(connection, **values)
        return connection


# Declared fields (the admin's fieldsets name them): a box per credential of every registered
# system. The registry is full by now: importing `connections` imported every connector.
ConnectionForm = type("ConnectionForm", (BaseConnectionForm,), credential_boxes())
