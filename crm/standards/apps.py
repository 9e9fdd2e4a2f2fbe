from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class StandardsConfig(AppConfig):
    """Company standards (calendar, service targets, standard documents). Its models keep the complaints
    app label they were created under; see models.py. It also holds the clients' service record and the
    key-client rule (failures.py, key_clients.py), whose tables are its own."""

    name = "crm.standards"
    label = "standards"
    verbose_name = "Company standards"

    def ready(self):
        from clients import hooks as client_hooks
        from crm import registry
        from crm.roles import Role

        from . import dashboard, demo, failures, key_clients, personal_data, tasks

        failures.register_builtin_sources()
        client_hooks.add_merge_step(key_clients.merge_step)
        client_hooks.add_personal_data_part(personal_data.PART)
        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="service",
            urls="crm.standards.urls",
            api_urls="crm.standards.api_urls",
            nav=[
                (15, gettext_lazy("Failures"), "standards:failures", (SM, ACC, ADM)),
                (75, gettext_lazy("Key clients"), "standards:key_clients", (ADM,)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
            demo_order=100,  # after every app seeded: the record reads their promises, complaints, invoices...
        )
