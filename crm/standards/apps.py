from django.apps import AppConfig


class StandardsConfig(AppConfig):
    """Company standards (calendar, service targets, standard documents). Its models keep the complaints
    app label they were created under; see models.py."""

    name = "crm.standards"
    label = "standards"
    verbose_name = "Company standards"
