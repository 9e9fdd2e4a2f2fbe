"""Who may handle complaints: the one home of the rule the pages and the API apply too."""

from crm.roles import has_role

from .. import rules


def may_handle(user) -> bool:
    return has_role(user, *rules.HANDLER_ROLES)
