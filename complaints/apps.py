from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"

    def ready(self):
        from clients import hooks as client_hooks
        from crm import registry
        from crm.roles import Role

        from . import dashboard, demo, personal_data, tasks

        client_hooks.add_personal_data_part(personal_data.PART)

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="complaints",
            urls="complaints.urls",
            api_urls="complaints.api_urls",
            nav=[
                (60, "Complaints", "complaints:board", (SM, ADM)),
                (70, "Standards", "complaints:standards", (SM, ACC, ADM)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )

        from . import search as search_provider

        search_provider.register()  # its part of the top-bar search (crm.search)
