"""Forms of the admin screens (organizations/views_admin.py).

Every choice of an organisation is limited to the ones the admin manages, so an id from elsewhere is a
form error (400), never a lookup; the services check the same rules again (organizations.policy).
"""
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Organization
from .roles import ROLE_KINDS, Role

# The levels the demo data and the draws use (Organization.school_level is free text in the model).
SCHOOL_LEVELS = [("", _("未填写")), ("secondary", _("中职")), ("higher", _("高职"))]


def child_kinds(kind: str) -> list[str]:
    """Kinds that may hang under an organisation of `kind` (Organization.ALLOWED_PARENTS read backwards)."""
    return [child for child, parents in Organization.ALLOWED_PARENTS.items() if kind in parents]


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class _OrganizationFields(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False)
    doc_prefix = forms.CharField(label=_("文号前缀"), max_length=20, required=False,
                                 help_text=_("整改通知书文号的机关代字，例如“历下教督改”"))
    school_level = forms.ChoiceField(label=_("办学层次"), choices=SCHOOL_LEVELS, required=False)

    def _keep_stored_level(self, level: str) -> None:
        # A level entered elsewhere (the operator's /admin/) stays selectable instead of being refused.
        if level and level not in dict(SCHOOL_LEVELS):
            self.fields["school_level"].choices = SCHOOL_LEVELS + [(level, level)]


class OrganizationAddForm(_OrganizationFields):
    kind = forms.ChoiceField(label=_("类型"))
    code = forms.CharField(label=_("代码"), max_length=32, help_text=_("全系统唯一，创建后不能修改"))
    field_order = ["kind", "code", "name", "short_name", "name_en", "doc_prefix", "school_level"]

    def __init__(self, *args, parent: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Organization.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in child_kinds(parent.kind)]


class OrganizationEditForm(_OrganizationFields):
    """The parent and the on/off switch appear only where the admin may place the organisation."""

    parent = OrgChoiceField(label=_("上级"), queryset=Organization.objects.none())
    is_active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args, organization: Organization, parents, movable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._keep_stored_level(organization.school_level)
        if not organization.is_school:
            del self.fields["school_level"]
        if movable:
            # Not into its own subtree, and only under a kind it may hang under.
            self.fields["parent"].queryset = parents.filter(
                kind__in=[k for k in Organization.ALLOWED_PARENTS[organization.kind] if k]
            ).exclude(path__startswith=organization.path).order_by("path")
            # A root stays one when left empty (only the operator gets this far with a root: policy.may_place).
            self.fields["parent"].required = organization.parent_id is not None
        else:
            del self.fields["parent"], self.fields["is_active"]


class RoleGrantForm(forms.Form):
    """One role at an organisation of the admin's reach; the role must fit the organisation's kind."""

    organization = OrgChoiceField(label=_("机构"), queryset=Organization.objects.none())
    # No role preselected: the first one would be "admin", the last thing to grant by a slip.
    role = forms.ChoiceField(label=_("角色"), choices=[("", "---------"), *Role.choices])

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations.order_by("path")

    def clean(self):
        data = super().clean()
        org, role = data.get("organization"), data.get("role")
        if org and role and org.kind not in ROLE_KINDS[role]:
            self.add_error("role", _("该角色不能在此类型机构授予。"))
        return data


class PersonAddForm(RoleGrantForm):
    """A new account, or an existing login, with its first role here."""

    NEW, EXISTING = "new", "existing"
    mode = forms.ChoiceField(label=_("人员"), widget=forms.RadioSelect, initial=NEW,
                             choices=[(NEW, _("新建账号")), (EXISTING, _("已有账号"))])
    username = forms.CharField(label=_("登录名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    password = forms.CharField(label=_("初始密码"), max_length=128, required=False,
                               help_text=_("至少10位；本人首次登录时必须修改"),
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    field_order = ["mode", "username", "display_name", "password", "organization", "role"]

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.NEW:
            for name in ("display_name", "password"):
                if not data.get(name):
                    self.add_error(name, _("新建账号须填写此项。"))
        elif data.get("mode") == self.EXISTING and data.get("username"):
            # The operator's accounts are not offered: "no such login" tells nothing about them.
            data["user"] = get_user_model().objects.filter(username=data["username"]).first()
            if data["user"] is None or data["user"].is_superuser or data["user"].is_staff:
                self.add_error("username", _("没有这个登录名的人员。"))
        return data


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("临时密码"), max_length=128, help_text=_("至少10位；本人下次登录时必须修改"),
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
