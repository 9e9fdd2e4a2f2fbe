"""Role checks for the API. Every endpoint needs a role; most narrow it further with `roles(...)`."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from crm.roles import Role, has_role, user_roles


class HasAnyRole(BasePermission):
    message = "Your account has no CRM role; ask an administrator."

    def has_permission(self, request, view):
        return bool(user_roles(request.user))


def roles(*allowed: str, read: tuple[str, ...] | None = None):
    """A permission class: `allowed` roles may do anything; `read` roles only GET/HEAD/OPTIONS."""

    class RolePermission(BasePermission):
        message = "Your role may not do this."

        def has_permission(self, request, view):
            if has_role(request.user, *allowed):
                return True
            return read is not None and request.method in SAFE_METHODS and has_role(request.user, *read)

    RolePermission.__name__ = "Roles_" + "_".join(r.replace(" ", "") for r in allowed)
    return RolePermission


IsAdministrator = roles(Role.ADMINISTRATOR)
ALL_ROLES = tuple(Role.values)
ReadAllWriteAdmin = roles(Role.ADMINISTRATOR, read=ALL_ROLES)
