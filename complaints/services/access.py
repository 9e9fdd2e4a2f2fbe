"""Who may handle complaints, and which: the services ask here, so the rule holds whichever edge calls them
(the pages and the API check the same roles, rules.HANDLER_ROLES, before they get this far).

- Recording a complaint a client brings (intake) is open to every handler, on any client: whoever takes the
  call records it, and routing gives it to the client's manager or the category's owner.
- Acting on a complaint (triage, assignment, status moves, comments and replies, goodwill) is for
  administrators, the person it is assigned to, and whoever may write on its client
  (clients' `can_write_client`: a sales manager's own and unassigned clients).
- Giving a complaint to a colleague is an administrator's decision (clients' `can_assign_to`); a handler
  may take one they may act on, or leave it to the routing rule at triage."""

from django.utils.translation import gettext

from clients import services as client_services
from crm.exceptions import ApplicationError
from crm.roles import has_role

from .. import rules

ACT_DENIED = "You may act only on complaints assigned to you or about your own and unassigned clients."


def may_handle(user) -> bool:
    return has_role(user, *rules.HANDLER_ROLES)


def require_handler(by) -> None:
    """Refuse a person who may not handle complaints. `by=None` is the system acting on the client's behalf
    (the public web form, a survey answer, the client's email, the escalation sweep), not a person."""
    if by is not None and not may_handle(by):
        raise ApplicationError(gettext("Only sales managers and administrators handle complaints."), code="forbidden")


def can_act_on(user, complaint) -> bool:
    """May `user` triage, assign, move, comment on or give goodwill for this complaint? An anonymous complaint
    (no client attached yet) belongs to nobody's book: every handler may take it, like an unassigned client."""
    if not may_handle(user):
        return False
    if complaint.client_id is None:
        return True
    return complaint.assigned_to_id == user.pk or client_services.can_write_client(user, complaint.client)


def require_actor(by, complaint) -> None:
    """Refuse a person who may not act on this complaint (`by=None`: the system)."""
    require_handler(by)
    if by is not None and not can_act_on(by, complaint):
        raise ApplicationError(ACT_DENIED, code="forbidden")


def require_assigner(by, to) -> None:
    """Refuse a person giving a complaint to someone else: only administrators give work to colleagues."""
    if by is not None and to is not None and not client_services.can_assign_to(by, to):
        raise ApplicationError(client_services.ASSIGN_DENIED, field="assigned_to", code="forbidden")
