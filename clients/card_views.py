"""The client card: header, tabs (each an htmx fragment) and the actions taken from them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal, raise_if_forbidden
from crm.htmx import wants_fragment
from crm.roles import Role, has_role
from crm.views import role_required

from . import selectors, services
from .card import banners_for, tabs_for
from .forms import (
    ClientEditForm,
    ConsentForm,
    ContactForm,
    InteractionForm,
    PromiseForm,
    PromiseResolveForm,
    ReassignForm,
    TaskForm,
)
from .models import Client, FollowUpTask, Promise
from .services.rights import EDIT_DENIED
from .views import _client_or_404, task_list_response

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR


def _require_edit(request, client: Client) -> None:
    """The edit page is not shown to whoever may not edit (client_update refuses them too)."""
    if not services.can_edit_client(request.user, client):
        raise PermissionDenied(EDIT_DENIED)


# --- card -----------------------------------------------------------------------------------------


@require_GET
@role_required(SM, ACC, ADM)
def client_card(request, client_id):
    if not has_role(request.user, SM, ADM):
        return redirect("clients:billing", client_id=client_id)
    client = _client_or_404(client_id)
    return render(
        request,
        "clients/card.html",
        {
            "client": client,
            "tabs": tabs_for(client.pk),
            "banners": banners_for(client.pk),
            "can_edit": services.can_edit_client(request.user, client),
        },
    )


@require_GET
@role_required(SM, ACC, ADM)
def client_billing(request, client_id):
    client = get_object_or_404(
        Client.objects.only("id", "name", "kind", "address", "email", "phone", "external_id"), pk=client_id
    )
    return render(request, "clients/billing.html", {"client": client})


def _overview_ctx(request, client, **extra):
    return {
        "client": client,
        "can_edit": services.can_edit_client(request.user, client),
        "can_reassign": services.can_reassign_client(request.user, client),
        "assignments": client.manager_history.select_related("manager", "previous_manager", "assigned_by")[:20],
        "consent_form": extra.pop("consent_form", None) or ConsentForm(),
        "consent_rows": selectors.consent_overview(client=client),
        "consent_history": selectors.consent_history(client_id=client.pk, limit=20),
        "reassign_form": extra.pop("reassign_form", None) or ReassignForm(initial={"manager": client.manager_id}),
        **extra,
    }


@require_GET
@role_required(SM, ADM)
def tab_overview(request, client_id):
    client = _client_or_404(client_id)
    return render(request, "clients/tabs/overview.html", _overview_ctx(request, client))


def _timeline_ctx(request, client, form=None):
    return {
        "client": client,
        "interactions": selectors.timeline(client=client),
        "form": form or InteractionForm(),
        "can_write": services.can_write_client(request.user, client),
    }


@require_GET
@role_required(SM, ADM)
def tab_timeline(request, client_id):
    client = _client_or_404(client_id)
    return render(request, "clients/tabs/timeline.html", _timeline_ctx(request, client))


def _contacts_ctx(request, client, form=None):
    return {
        "client": client,
        "contacts": list(client.contacts.all()),
        "form": form or ContactForm(),
        "can_edit": services.can_edit_client(request.user, client),
    }


@require_GET
@role_required(SM, ADM)
def tab_contacts(request, client_id):
    client = _client_or_404(client_id)
    return render(request, "clients/tabs/contacts.html", _contacts_ctx(request, client))


def _promises_ctx(request, client, form=None):
    return {
        "client": client,
        "promises": list(selectors.promise_list(client=client).order_by("status", "due_date", "id")),
        "form": form or PromiseForm(),
        "today": timezone.localdate(),
        "can_write": services.can_write_client(request.user, client),
    }


@require_GET
@role_required(SM, ADM)
def tab_promises(request, client_id):
    client = _client_or_404(client_id)
    return render(request, "clients/tabs/promises.html", _promises_ctx(request, client))


def _tasks_ctx(request, client, form=None):
    return {
        "client": client,
        "tasks": list(selectors.task_list(client=client).order_by("status", "due_date", "id")),
        "form": form or TaskForm(),
        "today": timezone.localdate(),
        "can_write": services.can_write_client(request.user, client),
    }


@require_GET
@role_required(SM, ADM)
def tab_tasks(request, client_id):
    client = _client_or_404(client_id)
    return render(request, "clients/tabs/tasks.html", _tasks_ctx(request, client))


@require_GET
@role_required(SM, ADM)
def tab_history(request, client_id):
    client = _client_or_404(client_id)
    return render(
        request, "clients/tabs/history.html", {"client": client, "entries": selectors.client_history(client=client)}
    )


def _tab_response(request, client, template, ctx, tab):
    if wants_fragment(request):
        return render(request, template, ctx)
    return redirect(reverse("clients:card", kwargs={"client_id": client.pk}) + f"?tab={tab}")


# --- card actions ---------------------------------------------------------------------------------


def _save(form, create):
    """Validate, call `create(cleaned_data)` (a service); a refused rule goes on the form. Returns the form to
    show again with its errors, or None when saved (the tab then shows a fresh one)."""
    if form.is_valid():
        try:
            create(form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            return None
    return form


@require_http_methods(["GET", "POST"])
@role_required(SM, ADM)
def client_edit(request, client_id):
    client = _client_or_404(client_id)
    _require_edit(request, client)
    form = ClientEditForm(request.POST or None, instance=Client.objects.get(pk=client.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, by=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, gettext("Saved."))
            return redirect("clients:card", client_id=client.pk)
    return render(request, "clients/edit.html", {"client": client, "form": form})


@require_POST
@role_required(SM, ADM)
def interaction_new(request, client_id):
    client = _client_or_404(client_id)
    form = _save(
        InteractionForm(request.POST),
        lambda data: services.interaction_create(client=client, staff=request.user, **data),
    )
    if form is None:
        messages.success(request, _("Interaction logged."))
    return _tab_response(
        request, client, "clients/tabs/timeline.html", _timeline_ctx(request, client, form), "timeline"
    )


@require_POST
@role_required(SM, ADM)
def promise_new(request, client_id):
    client = _client_or_404(client_id)
    form = _save(
        PromiseForm(request.POST), lambda data: services.promise_create(client=client, promised_by=request.user, **data)
    )
    if form is None:
        messages.success(request, _("Promise recorded."))
    return _tab_response(
        request, client, "clients/tabs/promises.html", _promises_ctx(request, client, form), "promises"
    )


@require_POST
@role_required(SM, ADM)
def promise_resolve(request, promise_id, outcome):
    promise = get_object_or_404(Promise, pk=promise_id)
    client = _client_or_404(promise.client_id)
    form = PromiseResolveForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("resolution", "")
    try:
        if outcome == "keep":
            services.promise_keep(promise=promise, how=text, by=request.user)
            messages.success(request, _("Promise marked as kept."))
        else:
            services.promise_break(promise=promise, reason=text, by=request.user)
            messages.warning(request, _("Promise marked as broken."))
    except ApplicationError as exc:
        raise_if_forbidden(exc)
        messages.error(request, exc.message)
    if request.POST.get("next") == "dashboard":
        return redirect("dashboard")
    return _tab_response(request, client, "clients/tabs/promises.html", _promises_ctx(request, client), "promises")


def _task_assignee(request, client: Client):
    """A task from the card goes to the client's manager when an administrator sets it, else to its writer:
    only administrators give work to colleagues (task_create refuses anything else)."""
    if client.manager is not None and services.can_assign_to(request.user, client.manager):
        return client.manager
    return request.user


@require_POST
@role_required(SM, ADM)
def task_new(request, client_id):
    client = _client_or_404(client_id)
    form = _save(
        TaskForm(request.POST),
        lambda data: services.task_create(
            client=client, assignee=_task_assignee(request, client), by=request.user, **data
        ),
    )
    if form is None:
        messages.success(request, _("Task added."))
    return _tab_response(request, client, "clients/tabs/tasks.html", _tasks_ctx(request, client, form), "tasks")


@require_POST
@role_required(SM, ADM)
def task_close(request, task_id, outcome):
    task = get_object_or_404(FollowUpTask, pk=task_id)
    try:
        if outcome == "done":
            services.task_complete(task=task, by=request.user)
            messages.success(request, _("Task done: %(title)s") % {"title": task.title})
        else:
            services.task_cancel(task=task, by=request.user)
            messages.info(request, _("Task cancelled: %(title)s") % {"title": task.title})
    except ApplicationError as exc:
        raise_if_forbidden(exc)
        messages.error(request, exc.message)
    back = request.POST.get("next")
    if back == "tasks":
        if wants_fragment(request):
            return task_list_response(request)
        return redirect("clients:tasks")
    if back == "dashboard":
        return redirect("dashboard")
    client = _client_or_404(task.client_id)
    return _tab_response(request, client, "clients/tabs/tasks.html", _tasks_ctx(request, client), "tasks")


@require_POST
@role_required(SM, ADM)
def contact_new(request, client_id):
    client = _client_or_404(client_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_add(client=client, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("Contact person added."))
            form = None
    return _tab_response(
        request, client, "clients/tabs/contacts.html", _contacts_ctx(request, client, form), "contacts"
    )


@require_POST
@role_required(SM, ADM)
def consent_change(request, client_id):
    client = _client_or_404(client_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_set(client=client, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            client = _client_or_404(client_id)
            form = None
    return _tab_response(
        request, client, "clients/tabs/overview.html", _overview_ctx(request, client, consent_form=form), "overview"
    )


@require_POST
@role_required(SM, ADM)
def client_reassign(request, client_id):
    client = _client_or_404(client_id)
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            services.client_reassign(
                client=client, manager=form.cleaned_data["manager"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            manager = form.cleaned_data["manager"]
            if manager is None:
                messages.success(request, _("The client has no manager now."))
            else:
                messages.success(
                    request, _("Client handed over to %(manager)s.") % {"manager": manager.get_full_name() or manager}
                )
            client = _client_or_404(client_id)
            form = None
    return _tab_response(
        request, client, "clients/tabs/overview.html", _overview_ctx(request, client, reassign_form=form), "overview"
    )
