from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InternalRequestsConfig(AppConfig):
    """Internal requests between teams (crm/internal_requests/models.py). It sits below purchases, which
    opens and completes the invoice requests' part here, and above the company standards it takes due
    times from."""

    name = "crm.internal_requests"
    label = "internal_requests"
    verbose_name = "Internal requests"

    def ready(self):
        from crm import registry
        from crm.roles import Role

        from . import demo, tasks

        registry.contribute(
            self.label,
            url_prefix="internal",
            urls="crm.internal_requests.urls",
            api_urls="crm.internal_requests.api_urls",
            nav=[(58, gettext_lazy("Requests"), "internal_requests:index", tuple(Role.values))],
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )
