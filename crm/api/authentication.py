"""Token authentication that also reads the user's roles, in the one query that finds the token.

Every API request needs both (the role decides what the endpoint allows); asking the database once instead of
twice is a measurable share of a 25-row list's cost. The user comes back once per group (a plain join, cheap
to build and to run) and the roles land where `crm.roles.user_roles` caches them."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
from rest_framework.authtoken.models import Token

from crm.roles import user_with_roles

User = Token.user.field.related_model


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate_credentials(self, key):
        user = user_with_roles(User.objects.filter(auth_token__key=key), _token_created=F("auth_token__created"))
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user=user, created=user._token_created)
        token._state.adding, token._state.db = False, "default"
        return (user, token)
