"""Forms of the shop owners' side. Fields are real fields (choices, dates, multi-selects),
and every error says what to type instead."""

from django import forms

from integrations.models import Membership

from .orgnumber import normalise

ROLE_CHOICES = [(Membership.Role.OWNER, "Owner: may change settings, retry and go live"),
                (Membership.Role.MEMBER, "Viewer: reads only")]


class SignupForm(forms.Form):
    """allauth's sign-up form extended with the company (ACCOUNT_SIGNUP_FORM_CLASS)."""

    company_name = forms.CharField(label="Company name", max_length=200)
    organisation_number = forms.CharField(label="Organisation number", max_length=20,
                                          help_text="As on your registration certificate, e.g. 556677-8899.")
    contact_email = forms.EmailField(label="Contact e-mail for alerts",
                                     help_text="Where we write when a sync needs attention; can be a shared inbox.")

    field_order = ["company_name", "organisation_number", "email", "contact_email", "password1", "password2"]

    def clean_organisation_number(self):
        number = normalise(self.cleaned_data["organisation_number"])
        if number is None:
            raise forms.ValidationError("This is not a Swedish organisation number: type ten digits as "
                                        "NNNNNN-NNNN (the last digit is a check digit).")
        return number

    def signup(self, request, user):
        from .services import create_organization

        create_organization(self.cleaned_data["company_name"], self.cleaned_data["organisation_number"],
                            self.cleaned_data["contact_email"], owner=user)


class InviteForm(forms.Form):
    email = forms.EmailField(label="Colleague's e-mail")
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Membership.Role.MEMBER, widget=forms.RadioSelect)


class StaffInviteOwnerForm(forms.Form):
    """Staff create an organization for a shop and invite its owner."""

    company_name = forms.CharField(label="Company name", max_length=200)
    organisation_number = forms.CharField(label="Organisation number", max_length=20)
    owner_email = forms.EmailField(label="Owner's e-mail", help_text="Gets an invitation to set a password.")

    clean_organisation_number = SignupForm.clean_organisation_number


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password (again)", widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ: type the same one twice.")
        return data


class SettingsForm(forms.Form):
    company_name = forms.CharField(label="Company name", max_length=200)
    contact_email = forms.EmailField(label="Contact e-mail for alerts")
