from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM core"

    def ready(self):
        from . import roles

        # Permissions exist only after every app's post_migrate has run; crm is last in INSTALLED_APPS.
        post_migrate.connect(roles.sync_role_permissions, sender=self, dispatch_uid="crm_sync_role_perms")
