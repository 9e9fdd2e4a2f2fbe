from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "crm.ops"
    label = "ops"
    verbose_name = "Operations"
