from django import forms
from django.utils.translation import gettext_lazy as _

from config.params import IdChoiceField, SupportedDateField
from organizations.models import Organization


class AuditFilterForm(forms.Form):
    """Filters of the audit viewer; the organisation choices are the viewer's own scope."""

    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    organization = IdChoiceField(label=_("机构（含下级）"), required=False,
                                 queryset=Organization.objects.none())
    date_from = SupportedDateField(label=_("起始日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    date_to = SupportedDateField(label=_("截止日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organizations, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["action"].choices = [("", _("全部"))] + [(a, a) for a in actions]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return cleaned

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments of `audit_events_for` (empty if invalid)."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
