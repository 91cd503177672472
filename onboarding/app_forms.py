"""Forms of the shop owners' area (/app/): the sync log's search, sync one order, closing a failure
or an alert with a reason."""

from django import forms

from integrations.selectors.records import SEARCH_HELP


class LogSearchForm(forms.Form):
    """What the sync log is searched by; every field optional, a bad date is said, not ignored."""

    q = forms.CharField(label="Search", required=False, max_length=254, help_text=SEARCH_HELP,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "10001, 10001-1, R315, "
                                                                                       "anna@example.com, 4711"}))
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    open = forms.BooleanField(label="Only open failures", required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The range starts after it ends: swap From and To.")
        return data


class ExportForm(forms.Form):
    reference = forms.CharField(
        label="Sync one order now", max_length=64,
        help_text="An order number (10001), a shipment number (10001-1) or a return id (R315), as Centra shows it.",
        error_messages={"required": "Type the order number, shipment number or return id to sync."})


class ReasonForm(forms.Form):
    RESOLUTIONS = (("resolved", "Resolved: fixed outside Junipeer (e.g. invoiced by hand)"),
                   ("ignored", "Ignored: this record is never to be synced"))

    resolution = forms.ChoiceField(label="Close it as", choices=RESOLUTIONS, initial="resolved",
                                   widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it is closed, e.g. \"invoiced by hand in the ERP as 4711\". It stays in the history.",
        error_messages={"required": "Say why it is closed: the reason stays in the history."})


class AlertNoteForm(forms.Form):
    note = forms.CharField(
        label="What was done about it", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was done about it: the note stays with the alert."})
