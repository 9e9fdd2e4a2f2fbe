from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ComplaintsConfig(AppConfig):
    name = "complaints"

    def ready(self):
        from clients import hooks as client_hooks
        from crm import registry
        from crm.roles import Role
        from crm.standards import targets as versioned_targets

        from . import dashboard, demo, personal_data, service_record, target_figures, tasks

        client_hooks.add_personal_data_part(personal_data.PART)
        service_record.register()  # complaint clocks and low surveys, into the client's service record
        versioned_targets.add_source(target_figures.SOURCE)

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="complaints",
            urls="complaints.urls",
            api_urls="complaints.api_urls",
            nav=[
                (60, gettext_lazy("Complaints"), "complaints:board", (SM, ADM)),
                (61, gettext_lazy("Record a complaint"), "complaints:intake", (ACC,)),
                (70, gettext_lazy("Standards"), "complaints:standards", (SM, ACC, ADM)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )

        from . import search as search_provider

        search_provider.register()  # its part of the top-bar search (crm.search)
