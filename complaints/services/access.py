"""Who may handle complaints: the services ask here, so the rule holds whichever edge calls them (the pages
and the API check the same roles, rules.HANDLER_ROLES, before they get this far)."""

from crm.exceptions import ApplicationError
from crm.roles import has_role

from .. import rules


def may_handle(user) -> bool:
    return has_role(user, *rules.HANDLER_ROLES)


def require_handler(by) -> None:
    """Refuse a person who may not handle complaints. `by=None` is the system acting on the client's behalf
    (the public web form, a survey answer, the client's email, the escalation sweep), not a person."""
    if by is not None and not may_handle(by):
        raise ApplicationError("Only sales managers and administrators handle complaints.", code="forbidden")
