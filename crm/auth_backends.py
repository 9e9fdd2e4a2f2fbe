"""The session user and their roles in one query.

Every page needs both: the login check needs the user, the navigation bar and the view's role check need the
roles. The stock backend asks twice; this one joins the groups and caches the roles where
`crm.roles.user_roles` looks for them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from crm.roles import user_with_roles


class RoleAwareModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_roles(get_user_model()._default_manager.filter(pk=user_id))
        return user if user is not None and self.user_can_authenticate(user) else None
