from .roles import Role, user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    return {
        "user_roles": sorted(roles),
        "user_role_labels": [str(Role(r).label) if r in Role.values else r for r in sorted(roles)],
        "is_admin": Role.ADMINISTRATOR in roles,
        "is_sales_manager": Role.SALES_MANAGER in roles,
        "is_accountant": Role.ACCOUNTANT in roles,
    }
