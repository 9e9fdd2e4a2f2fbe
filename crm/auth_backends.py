"""The session user and their roles in one query.

Every page needs both: the login check needs the user, the navigation bar and the view's role check need the
roles. The stock backend asks twice; this one joins the groups and caches the roles where
`crm.roles.user_roles` looks for them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import F

from crm.compiled_query import CompiledQuery
from crm.roles import remember_roles

User = get_user_model()

# The query `crm.roles.user_with_roles(User._default_manager.filter(pk=...))` runs, compiled once per connection.
SESSION_USER = CompiledQuery(
    "session_user",
    User,
    lambda pk: User._default_manager.filter(pk=pk).annotate(_group=F("groups__name")),
    probes={"pk": (User._meta.pk, 987654321)},
)


class RoleAwareModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except Exception:  # a session holding something else than an id: no user, as the stock backend says
            return None
        rows = SESSION_USER.instances(pk=pk)
        if not rows:
            return None
        user = rows[0]
        remember_roles(user, [row._group for row in rows if row._group])
        return user if self.user_can_authenticate(user) else None
