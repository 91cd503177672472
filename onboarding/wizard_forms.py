"""Forms of the Get Started steps; the ERP's fields come from its connector descriptor."""

from django import forms

from integrations.domain.registry import descriptor


class CentraForm(forms.Form):
    base_url = forms.URLField(label="Centra API address", assume_scheme="https",
                              help_text="Your Centra's address, e.g. https://brand.centra.com.")
    api_token = forms.CharField(
        label="Centra API token", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="An Integration API token: Centra AMS > System > API Tokens. Never shown again after saving.",
    )

    def __init__(self, *args, has_token: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_token = has_token
        if has_token:
            self.fields["api_token"].help_text = "A token is saved (not shown). Leave empty to keep it."

    def clean_api_token(self):
        token = self.cleaned_data["api_token"]
        if not token and not self.has_token:
            raise forms.ValidationError("Paste the API token from Centra AMS > System > API Tokens.")
        return token


class ErpChoiceForm(forms.Form):
    kind = forms.ChoiceField(label="Your ERP", widget=forms.RadioSelect)

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(s.kind, s.label) for s in systems]


class ErpCredentialsForm(forms.Form):
    """For an ERP reached with API credentials rather than OAuth2: the descriptor's fields."""

    def __init__(self, *args, kind: str, saved=(), **kwargs):
        super().__init__(*args, **kwargs)
        system = descriptor(kind)
        self.fields["base_url"] = forms.URLField(label=f"{system.label} API address", assume_scheme="https",
                                                 initial=system.default_base_url)
        for spec in system.credentials:
            widget = forms.PasswordInput(render_value=False) if spec.secret else forms.TextInput()
            kept = spec.secret and spec.name in saved
            self.fields[spec.name] = forms.CharField(
                label=f"{system.label} {spec.label}", widget=widget,
                required=spec.required and not kept,
                help_text="Saved (not shown); leave empty to keep it." if kept else spec.help_text,
            )
