from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OpsConfig(AppConfig):
    name = "crm.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        from crm import registry
        from crm.roles import Role

        from . import tasks

        registry.contribute(
            self.label,
            url_prefix="ops",
            urls="crm.ops.urls",
            api_urls="crm.ops.api_urls",
            nav=[
                (125, gettext_lazy("Operations"), "ops:index", (Role.ADMINISTRATOR,)),
            ],
            periodic_tasks=tasks.PERIODIC_TASKS,
        )
