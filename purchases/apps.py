from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PurchasesConfig(AppConfig):
    name = "purchases"

    def ready(self):
        from django.urls import reverse

        from clients import hooks as client_hooks
        from clients.surveys import registry as survey_registry
        from crm import registry
        from crm.internal_requests import sources as internal_sources
        from crm.roles import Role

        from . import dashboard, demo, outbox, personal_data, selectors, service_record, services, surveys, tasks

        survey_registry.register_kind(surveys.PURCHASE)

        client_hooks.add_merge_step(services.merge_step)
        internal_sources.register(
            internal_sources.Source(
                name=services.INVOICE_INTERNAL_SOURCE,
                kind_code="invoice",
                url=lambda pk: reverse("purchases:invoice", args=[pk]),
                take=lambda pk, by: services.invoice_claim(invoice=Invoice.objects.get(pk=pk), by=by),
                action_label=gettext_lazy("Issue the invoice"),
                reminds_overdue=True,  # services.invoices_remind_overdue
                team_code="accounting",
                team_name="Accounting",
                kind_name="Invoice",
            )
        )
        outbox.register()
        # A merge never rewrites the ledger: entries, tier history and issued invoices stay on the client they
        # were recorded for and are read over the survivor's lineage (clients.selectors.client_lineage_ids).
        from .models import ClientAccount, Invoice, Purchase, TierChange

        for model in (Purchase, TierChange, ClientAccount, Invoice):
            client_hooks.keep_on_merge(model, "client")
        client_hooks.add_interest_source(selectors.category_choices)
        client_hooks.add_personal_data_part(personal_data.PART)
        service_record.register()  # late invoices into the service record; the tier for the key-client rule

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="purchases",
            urls="purchases.urls",
            api_urls="purchases.api_urls",
            nav=[
                (30, gettext_lazy("Catalogue"), "purchases:catalogue", (SM, ACC, ADM)),
                (40, gettext_lazy("Purchases"), "purchases:list", (SM, ACC, ADM)),
                (50, gettext_lazy("Invoices"), "purchases:invoices", (SM, ACC, ADM)),
                (55, gettext_lazy("Price overrides"), "purchases:price_overrides", (ADM,)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )

        from . import search as search_provider

        search_provider.register()  # its part of the top-bar search (crm.search)
