from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class LoginsConfig(AppConfig):
    """Login protection beyond django-axes' hard lock per address and username: a per-username slowdown that a
    third party cannot turn into a lockout, emails to the user, and the administrators' page and API to see and
    lift both."""

    name = "crm.logins"
    label = "logins"
    verbose_name = "Login protection"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from crm import registry
        from crm.roles import Role

        from . import demo, receivers, tasks

        # Django and axes report login outcomes only as signals; the receivers call the services at once.
        user_login_failed.connect(receivers.login_failed, dispatch_uid="logins_login_failed")
        user_locked_out.connect(receivers.locked_out, dispatch_uid="logins_locked_out")
        registry.contribute(
            self.label,
            url_prefix="logins",
            urls="crm.logins.urls",
            api_urls="crm.logins.api_urls",
            nav=[(126, gettext_lazy("Login locks"), "logins:index", (Role.ADMINISTRATOR,))],
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )
