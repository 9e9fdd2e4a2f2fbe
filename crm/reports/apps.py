from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReportsConfig(AppConfig):
    name = "crm.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from clients import hooks as client_hooks
        from crm import registry
        from crm.roles import Role

        from . import dashboard, demo, personal_data, selectors, tasks

        client_hooks.add_personal_data_part(personal_data.PART)

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="reports",
            urls="crm.reports.urls",
            api_urls="crm.reports.api_urls",
            nav=[
                (120, gettext_lazy("Reports"), "reports:index", (SM, ACC, ADM)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
            jobs=selectors.ops_jobs,
        )
