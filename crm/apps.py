from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM core"

    def ready(self):
        # An id in a path has at most 18 digits: a longer one matches no route (404) instead of overflowing the
        # database's 64-bit integers (a 500). Set before any URL pattern is compiled.
        from django.urls import converters

        converters.IntConverter.regex = "[0-9]{1,18}"

        from . import registry, roles, tasks

        SM, ACC, ADM = roles.Role.SALES_MANAGER, roles.Role.ACCOUNTANT, roles.Role.ADMINISTRATOR
        registry.contribute(
            "crm",
            nav=[
                (0, gettext_lazy("Dashboard"), "dashboard", (SM, ACC, ADM)),
                (125, gettext_lazy("API docs"), "api-docs", (SM, ACC, ADM)),
                (130, gettext_lazy("Admin"), "admin:index", (ADM,)),
            ],
            periodic_tasks=tasks.PERIODIC_TASKS,
        )
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import pre_save

        from . import auth_tokens, languages, totp

        pre_save.connect(
            auth_tokens.tokens_revoke_on_password_change, sender=get_user_model(), dispatch_uid="crm_tokens_pw"
        )
        user_logged_in.connect(totp.on_login, dispatch_uid="crm_totp_login")
        # The user's language into the session at sign-in, so no page pays a query for it.
        user_logged_in.connect(languages.on_login, dispatch_uid="crm_language_login")
        # Permissions exist only after every app's post_migrate has run; crm is last in INSTALLED_APPS.
        post_migrate.connect(roles.sync_role_permissions, sender=self, dispatch_uid="crm_sync_role_perms")
