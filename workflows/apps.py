from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程与日历")

    def ready(self):
        # The flows register themselves (their queue, the deadline signal receiver) when imported;
        # import them once every app is loaded, so that a command or a test that never loads the
        # URLconf still sees all of them.
        from . import clue, rectification, visit  # noqa: F401
