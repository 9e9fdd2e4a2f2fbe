from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self):
        from crm import registry
        from crm.roles import Role

        from . import dashboard, demo, messaging, signals, tasks

        signals.connect()
        messaging.register()  # the client channels, news pages and unsubscribe page, into the outbox
        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="clients",
            urls="clients.urls",
            api_urls="clients.api_urls",
            nav=[
                (10, gettext_lazy("Clients"), "clients:list", (SM, ACC, ADM)),
                (20, gettext_lazy("Tasks"), "clients:tasks", (SM, ADM)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )

        from . import search as search_provider

        search_provider.register()  # its part of the top-bar search (crm.search)
