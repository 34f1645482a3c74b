"""`/admin/` belongs to the platform operator alone.

Django's admin knows nothing of the organisation tree, so any role admin let in as staff could reach past
their subtree (create a root, move their district, edit the city's checklist or calendar). District and
school admins use the app's own screens, which ask the access policy; here only active superusers enter.
"""
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.params import IdChoiceField, IdMultipleChoiceField, maybe_int


class _IdsOnly:
    """An autocomplete widget that looks up only values that can be ids.

    Django's own re-renders a refused form by querying the database with whatever was posted: "abc" was
    a ValueError, a 70-bit number an OverflowError on SQLite, each a 500 instead of the form's error.
    """

    def optgroups(self, name, value, attr=None):
        if isinstance(self.field.target_field, models.IntegerField):
            value = [v for v in value if maybe_int(v) is not None]
        return super().optgroups(name, value, attr)


class SafeAutocompleteSelect(_IdsOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_IdsOnly, AutocompleteSelectMultiple):
    pass


def _integer_keyed(db_field) -> bool:
    return isinstance(db_field.target_field, models.IntegerField)


class IdSafeFields:
    """Mixed into every ModelAdmin and inline registered here: id fields refuse what is no id (a form error)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if _integer_keyed(db_field):
            kwargs.setdefault("form_class", IdChoiceField)
            if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
                kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if _integer_keyed(db_field):
            kwargs.setdefault("form_class", IdMultipleChoiceField)
            if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
                kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site,
                                                                  using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return [id_safe(inline) for inline in super().get_inlines(request, obj)]


_ID_SAFE: dict[type, type] = {}


def id_safe(admin_class: type) -> type:
    """`admin_class` with IdSafeFields in front (made once per class)."""
    if issubclass(admin_class, IdSafeFields):
        return admin_class
    if admin_class not in _ID_SAFE:
        _ID_SAFE[admin_class] = type(admin_class.__name__, (IdSafeFields, admin_class), {})
    return _ID_SAFE[admin_class]


class OperatorAdminSite(AdminSite):
    site_header = _("督导平台运维")
    site_title = _("督导平台运维")

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, id_safe(admin_class or ModelAdmin), **options)

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_superuser)


class OperatorAdminConfig(AdminConfig):
    default_site = "config.admin_site.OperatorAdminSite"
