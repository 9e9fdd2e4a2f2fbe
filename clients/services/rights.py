"""Who may change what about a client. Services enforce these with the acting user (`by`) and refuse with
ApplicationError(code="forbidden"); pages and the API ask the same functions what to offer, and answer a
refusal with 403."""

from crm.roles import Role, has_role, is_admin

from ..models import Client

EDIT_DENIED = "You may edit only your own and unassigned clients."
REASSIGN_DENIED = "Only an administrator can give a client to another manager."


def can_edit_client(user, client: Client) -> bool:
    """Administrators edit every client; sales managers their own and unassigned ones."""
    if is_admin(user):
        return True
    return has_role(user, Role.SALES_MANAGER) and client.manager_id in (None, user.pk)


def can_reassign_client(user, client: Client, to=None) -> bool:
    """Only an administrator gives a client to another manager (the client has one permanent manager; a
    handover is the company's decision). A sales manager may take an unassigned client for themself, or
    hand their own client back to nobody, so an administrator can place it."""
    if is_admin(user):
        return True
    if not can_edit_client(user, client):
        return False
    return to is None or to.pk == user.pk
