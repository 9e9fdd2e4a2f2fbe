from django.apps import AppConfig


class PurchasesConfig(AppConfig):
    name = "purchases"

    def ready(self):
        from clients import hooks as client_hooks
        from crm import registry
        from crm.roles import Role

        from . import dashboard, demo, outbox, personal_data, selectors, services, tasks

        client_hooks.add_merge_step(services.merge_step)
        outbox.register()
        # A merge never rewrites the ledger: entries, tier history and issued invoices stay on the client they
        # were recorded for and are read over the survivor's lineage (clients.selectors.client_lineage_ids).
        from .models import ClientAccount, Invoice, Purchase, TierChange

        for model in (Purchase, TierChange, ClientAccount, Invoice):
            client_hooks.keep_on_merge(model, "client")
        client_hooks.add_interest_source(selectors.category_choices)
        client_hooks.add_personal_data_part(personal_data.PART)

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="purchases",
            urls="purchases.urls",
            api_urls="purchases.api_urls",
            nav=[
                (30, "Catalogue", "purchases:catalogue", (SM, ACC, ADM)),
                (40, "Purchases", "purchases:list", (SM, ACC, ADM)),
                (50, "Invoices", "purchases:invoices", (SM, ACC, ADM)),
                (55, "Price overrides", "purchases:price_overrides", (ADM,)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )

        from . import search as search_provider

        search_provider.register()  # its part of the top-bar search (crm.search)
