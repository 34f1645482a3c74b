from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全与审计")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (audit receivers; credentials die on a new password or deactivation)
        from .input_guard import refuse_overlong_text

        pre_save.connect(refuse_overlong_text, dispatch_uid="security.refuse_overlong_text")  # any model
