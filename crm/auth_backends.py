"""The session user and their roles in one query.

Every page needs both: the login check needs the user, the navigation bar and the view's role check need the
roles. The stock backend asks twice; this one joins the groups and caches the roles where
`crm.roles.user_roles` looks for them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import F

from crm.roles import remember_roles


class RoleAwareModelBackend(ModelBackend):
    def get_user(self, user_id):
        rows = list(get_user_model()._default_manager.filter(pk=user_id).annotate(_group=F("groups__name")))
        if not rows or not self.user_can_authenticate(rows[0]):
            return None
        user = rows[0]
        remember_roles(user, [row._group for row in rows if row._group])
        return user
