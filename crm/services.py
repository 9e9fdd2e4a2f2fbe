"""Staff accounts: the only code that creates users and gives them roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext

from .exceptions import ApplicationError
from .roles import Role

User = get_user_model()


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    if role not in Role.values:
        raise ApplicationError(gettext("Unknown role %(role)r.") % {"role": role}, field="role")
    if User.objects.filter(username=username).exists():
        raise ApplicationError(gettext("User %(username)r already exists.") % {"username": username}, field="username")
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.is_staff = role == Role.ADMINISTRATOR  # the admin site needs is_staff; roles decide the rest
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    if role not in Role.values:
        raise ApplicationError(gettext("Unknown role %(role)r.") % {"role": role}, field="role")
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role))
    user.is_staff = role == Role.ADMINISTRATOR
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_crm_roles", None)
    return user
