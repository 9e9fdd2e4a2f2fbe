"""The only code that writes clients and what hangs off them, by job:

- records: first contact, edits, the permanent manager, the ERP upsert by external id, segments
- contacts: contact persons and consent per channel and purpose (the rules are in its docstring)
- relationship: interactions, follow-up tasks, promises and their reminders
- merging: two clients that turned out to be one
- rights: who may write on a client and give work to whom (services enforce it; pages and the API ask
  it what to offer)
- validation: checks the others share

Callers import this package (`from clients import services`); the submodules import each other directly,
never this file."""

from .contacts import consent_apply_from_sync, consent_set, contact_add
from .merging import client_merge
from .records import (
    MANAGER_NOT_CHOSEN,
    client_create,
    client_reassign,
    client_update,
    client_upsert_by_external_id,
    duplicate_candidates,
    first_contact_manager,
    segment_create,
)
from .relationship import (
    interaction_create,
    promise_break,
    promise_create,
    promise_keep,
    promise_remind_overdue,
    task_cancel,
    task_complete,
    task_create,
)
from .rights import ASSIGN_DENIED, WRITE_DENIED, can_assign_to, can_edit_client, can_reassign_client, can_write_client

__all__ = [
    "ASSIGN_DENIED",
    "MANAGER_NOT_CHOSEN",
    "WRITE_DENIED",
    "can_assign_to",
    "can_edit_client",
    "can_reassign_client",
    "can_write_client",
    "client_create",
    "client_merge",
    "client_reassign",
    "client_update",
    "client_upsert_by_external_id",
    "consent_apply_from_sync",
    "consent_set",
    "contact_add",
    "duplicate_candidates",
    "first_contact_manager",
    "interaction_create",
    "promise_break",
    "promise_create",
    "promise_keep",
    "promise_remind_overdue",
    "segment_create",
    "task_cancel",
    "task_complete",
    "task_create",
]
