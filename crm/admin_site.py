from crm.roles import is_admin


def restrict_admin_to_administrators(site):
    """Only the Administrator role may open the Django admin (is_staff alone is not enough)."""

    def has_permission(request):
        return request.user.is_active and request.user.is_staff and is_admin(request.user)

    site.has_permission = has_permission
    site.site_header = "CRM administration"
    site.site_title = "CRM admin"
