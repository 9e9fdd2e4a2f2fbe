from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class NotificationsConfig(AppConfig):
    name = "crm.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from crm import registry
        from crm.roles import Role

        from . import dashboard, delivery, demo, tasks  # noqa: F401  (delivery registers the staff and webhook channels)

        SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
        registry.contribute(
            self.label,
            url_prefix="notifications",
            urls="crm.notifications.urls",
            api_urls="crm.notifications.api_urls",
            nav=[
                (100, gettext_lazy("Notifications"), "notifications:list", (ADM,)),
                (110, gettext_lazy("Inbox"), "notifications:inbox", (SM, ACC, ADM)),
            ],
            panels=dashboard.panels,
            periodic_tasks=tasks.PERIODIC_TASKS,
            demo=demo.seed,
        )
