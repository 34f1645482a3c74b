from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfchecksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "selfchecks"
    verbose_name = _("学校自查")

    def ready(self):
        # The risk-weighted draw (inspections.campaigns.risk) asks its registered factors; self-report
        # disagreement is ours, so we register it here and inspections never imports selfchecks.
        from inspections.campaigns import risk as draw_risk

        from .selectors import missed_by_school

        draw_risk.register_factor("selfcheck_missed", missed_by_school)
