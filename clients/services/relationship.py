"""The relationship with a client: interactions, follow-up tasks, promises and the reminders about them."""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from crm.exceptions import ApplicationError
from crm.notifications import services as notifications
from crm.roles import is_admin

from .. import selectors
from ..models import Client, FollowUpTask, Interaction, Promise
from .rights import ASSIGN_DENIED, WRITE_DENIED, can_assign_to, can_write_client
from .validation import check_choice

User = get_user_model()


def _check_write(by: User | None, client: Client) -> None:
    if by is not None and not can_write_client(by, client):
        raise ApplicationError(WRITE_DENIED, code="forbidden")


@transaction.atomic
def interaction_create(
    *,
    client: Client,
    staff: User,
    kind: str,
    summary: str,
    occurred_at: datetime | None = None,
    channel: str = "",
    next_step: str = "",
    next_step_due: date | None = None,
) -> Interaction:
    """`staff` logs a call, meeting, email, consultation or note on a client they may write on
    (`can_write_client`). A next step with a due date becomes a follow-up task for the client's manager (or
    the staff member when there is none)."""
    _check_write(staff, client)
    check_choice(kind, Interaction.Kind, "kind")
    if not (summary or "").strip():
        raise ApplicationError(gettext("Write what was said or done."), field="summary")
    next_step = (next_step or "").strip()
    if next_step and not next_step_due:
        raise ApplicationError(gettext("Give the next step a due date."), field="next_step_due")
    if next_step_due and not next_step:
        raise ApplicationError(gettext("Say what the next step is."), field="next_step")
    interaction = Interaction.objects.create(
        client=client,
        staff=staff,
        kind=kind,
        summary=summary.strip(),
        occurred_at=occurred_at or timezone.now(),
        channel=channel,
        next_step=next_step,
        next_step_due=next_step_due,
    )
    if next_step:
        task_create(
            client=client,
            assignee=client.manager or staff,
            title=next_step[:200],
            due_date=next_step_due,
            kind=FollowUpTask.Kind.CALL_BACK if kind == Interaction.Kind.CALL else FollowUpTask.Kind.OTHER,
            created_by=staff,
            source=f"interaction:{interaction.pk}",
        )
    Client.objects.filter(pk=client.pk).update(updated_at=timezone.now())
    return interaction


@transaction.atomic
def task_create(
    *,
    client: Client,
    assignee: User,
    title: str,
    due_date: date,
    kind: str = FollowUpTask.Kind.CALL_BACK,
    details: str = "",
    created_by: User | None = None,
    source: str = "",
    by: User | None = None,
) -> tuple[FollowUpTask, bool]:
    """A follow-up task for a staff member about a client. `source` (e.g. "purchase:42") makes a repeat
    from the same source return the existing task instead of a second one. Returns (task, created).

    `by` is the person asking for the task by hand (the card, the API; `created_by` defaults to them): they
    must be allowed to write on the client, and only an administrator gives the task to someone else
    (`can_assign_to`). None: a task the system derives from a rule whose writer was checked already (an
    interaction's next step, a key product bought, a message to deliver by a call)."""
    _check_write(by, client)
    if by is not None:
        if not can_assign_to(by, assignee):
            raise ApplicationError(ASSIGN_DENIED, field="assignee", code="forbidden")
        created_by = created_by or by
    if not (title or "").strip():
        raise ApplicationError(gettext("A task needs a title."), field="title")
    if due_date is None:
        raise ApplicationError(gettext("A task needs a due date."), field="due_date")
    check_choice(kind, FollowUpTask.Kind, "kind")
    if source:
        existing = FollowUpTask.objects.filter(client=client, assignee=assignee, source=source, kind=kind).first()
        if existing:
            return existing, False
    task = FollowUpTask.objects.create(
        client=client,
        assignee=assignee,
        title=title,
        due_date=due_date,
        kind=kind,
        details=details,
        created_by=created_by,
        source=source,
    )
    return task, True


def _task_close(task: FollowUpTask, status: str, by: User | None) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status != FollowUpTask.Status.OPEN:
        raise ApplicationError(
            gettext("This task is already %(get_status_display)s.")
            % {"get_status_display": task.get_status_display().lower()}
        )
    if by is not None and not is_admin(by) and task.assignee_id != by.pk:
        raise ApplicationError(gettext("Only the assignee or an administrator can close this task."), code="forbidden")
    task.status = status
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


@transaction.atomic
def task_complete(*, task: FollowUpTask, by: User | None = None) -> FollowUpTask:
    return _task_close(task, FollowUpTask.Status.DONE, by)


@transaction.atomic
def task_cancel(*, task: FollowUpTask, by: User | None = None) -> FollowUpTask:
    return _task_close(task, FollowUpTask.Status.CANCELLED, by)


@transaction.atomic
def promise_create(*, client: Client, text: str, promised_by: User, due_date: date) -> Promise:
    """`promised_by` promises the client something by a date; they must be allowed to write on the client."""
    _check_write(promised_by, client)
    if not (text or "").strip():
        raise ApplicationError(gettext("Write what was promised."), field="text")
    if due_date is None:
        raise ApplicationError(gettext("A promise needs a date."), field="due_date")
    promise = Promise.objects.create(client=client, text=text.strip(), promised_by=promised_by, due_date=due_date)
    Client.objects.filter(pk=client.pk).update(updated_at=timezone.now())
    return promise


def _promise_resolve(promise: Promise, status: str, resolution: str, by: User | None) -> Promise:
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != Promise.Status.OPEN:
        raise ApplicationError(
            gettext("This promise is already %(get_status_display)s.")
            % {"get_status_display": promise.get_status_display().lower()}
        )
    if by is not None and not is_admin(by) and promise.promised_by_id != by.pk:
        raise ApplicationError(gettext("Only who promised it or an administrator can resolve it."), code="forbidden")
    promise.status = status
    promise.resolution = (resolution or "").strip()
    promise.resolved_at = timezone.now()
    promise.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    return promise


@transaction.atomic
def promise_keep(*, promise: Promise, how: str, by: User | None = None) -> Promise:
    if not (how or "").strip():
        raise ApplicationError(gettext("Say how the promise was kept."), field="how")
    return _promise_resolve(promise, Promise.Status.KEPT, how, by)


@transaction.atomic
def promise_break(*, promise: Promise, reason: str = "", by: User | None = None) -> Promise:
    return _promise_resolve(promise, Promise.Status.BROKEN, reason, by)


def promise_remind_overdue(*, today: date | None = None) -> int:
    """Each morning: one reminder per person with overdue open promises (deduplicated per day)."""
    today = today or timezone.localdate()
    sent = 0
    for user, promises in selectors.promise_overdue_by_person(today=today):
        with transaction.atomic():
            lines = "\n".join(f"- {p.client.name}: {p.text} (due {p.due_date:%d %b})" for p in promises)
            with notifications.in_user_language(user):
                notifications.notification_enqueue_for_user(
                    user=user,
                    event="promises_overdue",
                    dedup_key=f"promises_overdue:{today.isoformat()}",
                    subject=ngettext(
                        "%(count)s overdue promise to clients", "%(count)s overdue promises to clients", len(promises)
                    )
                    % {"count": len(promises)},
                    body=gettext("These promises are past their date:") + "\n" + lines,
                    context={"promise_ids": [p.pk for p in promises]},
                )
        sent += 1
    return sent
