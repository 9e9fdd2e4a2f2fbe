"""Who may change what about a client. Services enforce these with the acting user (`by`); pages and the
API ask the same functions to decide what to offer."""

from crm.roles import Role, has_role, is_admin

from ..models import Client


def can_edit_client(user, client: Client) -> bool:
    """Administrators edit every client; sales managers their own and unassigned ones."""
    if is_admin(user):
        return True
    return has_role(user, Role.SALES_MANAGER) and client.manager_id in (None, user.pk)
