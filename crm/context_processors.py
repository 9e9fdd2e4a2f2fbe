from .roles import Role, role_labels, user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    return {
        "user_roles": sorted(roles),
        "user_role_labels": role_labels(roles),
        "is_admin": Role.ADMINISTRATOR in roles,
        "is_sales_manager": Role.SALES_MANAGER in roles,
        "is_accountant": Role.ACCOUNTANT in roles,
    }
