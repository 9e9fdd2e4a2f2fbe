"""Who may change what about a client. Services enforce these with the acting user (`by`) and refuse with
ApplicationError(code="forbidden"); pages and the API ask the same functions what to offer, and answer a
refusal with 403.

The one rule for writing on a client (`can_write_client`): its record, contact persons and consents, its
timeline (interactions), promises and follow-up tasks, and (through complaints/services/access.py) its
complaints:
- administrators: every client;
- sales managers: the clients they manage and unassigned ones (the same clients they may take, by the
  handover rule below);
- accountants and users without a role: none (they read billing details).
Work is given to a colleague only by an administrator (`can_assign_to`): everyone else assigns to themself."""

from django.utils.translation import gettext_lazy

from crm.roles import Role, has_role, is_admin

from ..models import Client

WRITE_DENIED = gettext_lazy("You may write only on your own and unassigned clients.")
EDIT_DENIED = WRITE_DENIED
REASSIGN_DENIED = gettext_lazy("Only an administrator can give a client to another manager.")
ASSIGN_DENIED = gettext_lazy("Only an administrator can give work to a colleague; assign it to yourself.")


def can_write_client(user, client: Client) -> bool:
    """Administrators write on every client; sales managers on their own and unassigned ones. Nobody writes on
    a client whose personal data was erased (that would type the person back in)."""
    if getattr(client, "erased_at", None) is not None:
        return False
    if is_admin(user):
        return True
    return has_role(user, Role.SALES_MANAGER) and client.manager_id in (None, user.pk)


# Editing the record is writing on the client: one rule, kept under the name its callers already use.
can_edit_client = can_write_client


def can_reassign_client(user, client: Client, to=None) -> bool:
    """Only an administrator gives a client to another manager (the client has one permanent manager; a
    handover is the company's decision). A sales manager may take an unassigned client for themself, or
    hand their own client back to nobody, so an administrator can place it."""
    if is_admin(user):
        return True
    if not can_write_client(user, client):
        return False
    return to is None or to.pk == user.pk


def can_assign_to(user, assignee) -> bool:
    """Work (a follow-up task, a complaint) goes to a colleague only from an administrator."""
    return is_admin(user) or (assignee is not None and assignee.pk == user.pk)
