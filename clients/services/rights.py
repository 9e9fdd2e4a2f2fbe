"""Who may change what about a client. Services enforce these with the acting user (`by`) and refuse with
ApplicationError(code="forbidden"); pages and the API ask the same functions what to offer, and answer a
refusal with 403."""

from crm.roles import Role, has_role, is_admin

from ..models import Client

EDIT_DENIED = "You may edit only your own and unassigned clients."
REASSIGN_DENIED = "Only the client's manager or an administrator can hand the client over."


def can_edit_client(user, client: Client) -> bool:
    """Administrators edit every client; sales managers their own and unassigned ones."""
    if is_admin(user):
        return True
    return has_role(user, Role.SALES_MANAGER) and client.manager_id in (None, user.pk)


def can_reassign_client(user, client: Client) -> bool:
    """Administrators hand any client to anyone; a sales manager hands over only a client they manage (to a
    colleague or to nobody). An unassigned client is given out by an administrator."""
    if is_admin(user):
        return True
    return has_role(user, Role.SALES_MANAGER) and client.manager_id is not None and client.manager_id == user.pk
