"""Who may handle complaints, and which: the services ask here, so the rule holds whichever edge calls them
(the pages and the API check the same roles, rules.HANDLER_ROLES, before they get this far).

- Recording a complaint a client brings (intake) is open to every staff role (rules.INTAKE_ROLES), on any
  client: whoever takes the call records it, and routing gives it to the client's manager or the category's
  owner, or the person who took it hands it over to a handler at once (`require_hand_over`).
- Accountants record and hand over only: they do not handle complaints and see none beyond the ones they
  recorded, listed on the intake page with reference, client, handler and status (no text, no history, no
  board, no list, no detail page, no API list): enough to tell a caller who deals with it, nothing more.
- Acting on a complaint (triage, assignment, status moves, comments and replies, goodwill) is for
  administrators, the person it is assigned to, and whoever may write on its client
  (clients' `can_write_client`: a sales manager's own and unassigned clients).
- Giving a complaint to a colleague is an administrator's decision (clients' `can_assign_to`); a handler
  may take one they may act on, or leave it to the routing rule at triage."""

from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from clients import services as client_services
from crm.exceptions import ApplicationError
from crm.roles import Role, has_role

from .. import rules

ACT_DENIED = gettext_lazy("You may act only on complaints assigned to you or about your own and unassigned clients.")


def may_handle(user) -> bool:
    return has_role(user, *rules.HANDLER_ROLES)


def require_handler(by) -> None:
    """Refuse a person who may not handle complaints. `by=None` is the system acting on the client's behalf
    (the public web form, a survey answer, the client's email, the escalation sweep), not a person."""
    if by is not None and not may_handle(by):
        raise ApplicationError(gettext("Only sales managers and administrators handle complaints."), code="forbidden")


def may_take_in(user) -> bool:
    return has_role(user, *rules.INTAKE_ROLES)


def require_intake(by) -> None:
    """Refuse a person who may not record a complaint (`by=None`: the system)."""
    if by is not None and not may_take_in(by):
        raise ApplicationError(_("Your role may not record complaints."), code="forbidden")


def require_hand_over(to, client) -> None:
    """The person a complaint is handed to at intake must handle complaints and may act on its client (the
    client's manager, anyone for an unassigned client, or an administrator)."""
    if not (to.is_active and may_handle(to)):
        raise ApplicationError(_("Hand the complaint to an active sales manager or administrator."), field="hand_to")
    if client is not None and not (has_role(to, Role.ADMINISTRATOR) or client_services.can_write_client(to, client)):
        raise ApplicationError(
            _("%(name)s does not look after this client: hand it to the client's manager or an administrator.")
            % {"name": to.get_full_name() or to.username},
            field="hand_to",
        )


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
