from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """Short surveys after a purchase or a consultation. Part of the clients layer: the kinds of occasions
    are registered in clients.surveys.registry (purchases adds "purchase" from its ready())."""

    name = "clients.surveys"
    label = "surveys"
    verbose_name = "Client surveys"

    def ready(self):
        from clients import hooks as client_hooks
        from crm import registry as crm_registry

        from . import kinds, personal_data, registry, tasks

        registry.register_kind(kinds.CONSULTATION)
        client_hooks.add_personal_data_part(personal_data.PART)
        crm_registry.contribute(
            self.label,
            url_prefix="surveys",
            urls="clients.surveys.urls",
            api_urls="clients.surveys.api_urls",
            periodic_tasks=tasks.PERIODIC_TASKS,
        )
