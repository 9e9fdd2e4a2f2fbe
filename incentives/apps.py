from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self):
        from crm import registry
        from crm.roles import Role

        from . import dashboard, demo, tasks

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="incentives",
            urls="incentives.urls",
            api_urls="incentives.api_urls",
            nav=[
                (80, gettext_lazy("Leaderboard"), "incentives:leaderboard", (SM, ADM)),
                (90, gettext_lazy("Awards"), "incentives:awards", (SM, ACC, ADM)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )
