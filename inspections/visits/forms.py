"""Forms of the visit planning and checklist editing screens: shapes only; the services decide."""
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.params import IdChoiceField, IdMultipleChoiceField, SupportedDateField, maybe_int

from inspections.checklists.models import Severity
from inspections.visits.models import Kind
from inspections.visits.selectors import plannable_schools, team_candidates


class PersonChoice(IdChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class PeopleChoice(IdMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class SchoolChoice(IdChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class VisitPlanForm(forms.Form):
    """The team's choices depend on the school: only inspectors who may inspect it are offered."""

    kind = forms.ChoiceField(label=_("检查类型"), choices=Kind.choices, initial=Kind.ROUTINE,
                             widget=forms.RadioSelect)
    school = SchoolChoice(label=_("学校"), queryset=None, empty_label=_("请选择学校"))
    planned_date = SupportedDateField(label=_("检查日期"),
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    lead = PersonChoice(label=_("组长"), queryset=None, widget=forms.RadioSelect, empty_label=None)
    members = PeopleChoice(label=_("组员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = plannable_schools(user)
        self.chosen_school = self._chosen_school()
        candidates = team_candidates(self.chosen_school) if self.chosen_school else get_user_model().objects.none()
        self.fields["lead"].queryset = candidates
        self.fields["members"].queryset = candidates
        self.initial.setdefault("client_uuid", uuid.uuid4())
        self.initial.setdefault("planned_date", timezone.localdate())

    def _chosen_school(self):
        """The school picked so far (posted, or carried in the query string), if it is one the user may plan for."""
        value = maybe_int(self.data.get("school") if self.is_bound else self.initial.get("school"))
        if value is None:  # config.params: "²".isdigit() is True, but it is no id
            return None
        return self.fields["school"].queryset.filter(pk=value).first()

    def clean_planned_date(self):
        planned = self.cleaned_data["planned_date"]
        if planned < timezone.localdate():
            raise forms.ValidationError(_("检查日期不能早于今天。"))
        return planned


class ChecklistItemForm(forms.Form):
    title = forms.CharField(label=_("检查内容"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("默认严重程度"), choices=Severity.choices)
    hazard = forms.BooleanField(label=_("安全隐患"), required=False)


class ChecklistCopyForm(forms.Form):
    code = forms.CharField(label=_("新代码"), max_length=32)
    title = forms.CharField(label=_("新名称"), max_length=200)
