"""HTML pages (htmx): parse input, fetch through selectors, call one service, render."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from crm import exports
from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.htmx import render_partial, wants_fragment
from crm.roles import Role, has_role, is_admin
from crm.views import role_required

from . import selectors, services
from .forms import (
    FirstContactForm,
    MergeForm,
)
from .models import Client, FollowUpTask

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
PAGE_SIZE = 25  # as the API pages: a screenful, and what the floor benchmark serves
MAX_QUERY_INT = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) hold


def _int(value):
    """A whole number from a query string, or None; ids and page numbers past what the database holds are
    None too (they reached a query and failed there with a 500)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= MAX_QUERY_INT else None


def _client_or_404(client_id) -> Client:
    try:
        return selectors.client_get(pk=client_id)
    except Client.DoesNotExist:
        raise Http404(gettext("No such client."))


# --- list and export ----------------------------------------------------------------------------------


def _filters(request) -> dict:
    g = request.GET
    manager = g.get("manager", "")
    return {
        "search": g.get("q", "").strip()[:100],
        "segment": _int(g.get("segment")),
        "manager": "none" if manager == "none" else _int(manager),
        "status": g.get("status", "") if g.get("status", "") in Client.Status.values else "",
        "tag": _int(g.get("tag")),
        "sort": g.get("sort", "newest") if g.get("sort", "newest") in selectors.SORTS else "newest",
    }


@require_GET
@role_required(SM, ACC, ADM)
def client_list(request):
    filters = _filters(request)
    billing_only = not has_role(request.user, SM, ADM)
    if billing_only:
        filters = {"search": filters["search"], "sort": filters["sort"]}
    page = max(_int(request.GET.get("page")) or 1, 1)
    page = min(page, MAX_QUERY_INT // PAGE_SIZE)
    # one extra row says "there is more"
    rows = selectors.list_page(filters, billing_only=billing_only, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    row_url = reverse("clients:billing" if billing_only else "clients:card", args=[2**31 - 1])
    for r in rows:
        r["url"] = row_url.replace(str(2**31 - 1), str(r["id"]))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "clients": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "filters": filters,
        "billing_only": billing_only,
    }
    if not billing_only and not wants_fragment(request):
        ctx |= selectors.list_filter_choices() | {
            "statuses": Client.Status.choices,
            "sorts": [
                ("newest", gettext("Newest")),
                ("oldest", gettext("Oldest")),
                ("name", gettext("Name A–Z")),
                ("-name", gettext("Name Z–A")),
                ("updated", gettext("Recently updated")),
            ],
        }
    return render_partial(request, "clients/list.html", "clients/_list_rows.html", ctx)


@require_GET
@role_required(SM, ACC, ADM)
def client_export(request):
    """The filtered list as CSV (or `?format=xlsx`), streamed so a large list does not sit in memory, with
    formula cells escaped (crm/exports.py)."""
    filters = _filters(request)
    billing_only = not has_role(request.user, SM, ADM)
    if billing_only:
        header = ["id", "name", "kind", "address", "email", "phone", "external_id"]
        qs = selectors.client_list(search=filters["search"]).select_related(None).only(*header)

        def row(c):
            return [c.pk, c.name, c.kind, c.address, c.email, c.phone, c.external_id or ""]
    else:
        header = [
            "id",
            "name",
            "kind",
            "email",
            "phone",
            "address",
            "segment",
            "manager",
            "status",
            "first_contact_channel",
            "first_contact_at",
            "external_id",
            "tags",
        ]
        qs = selectors.client_list(**filters).prefetch_related("tags")

        def row(c):
            return [
                c.pk,
                c.name,
                c.kind,
                c.email,
                c.phone,
                c.address,
                c.segment.code if c.segment else "",
                c.manager.username if c.manager else "",
                c.status,
                c.first_contact_channel,
                c.first_contact_at.isoformat() if c.first_contact_at else "",
                c.external_id or "",
                ", ".join(t.name for t in c.tags.all()),
            ]

    # the rows are read while the response streams, after this view returns: on the replica when there is one
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = (row(client) for client in qs.iterator(chunk_size=2000))
    return exports.export_response(
        request, filename=f"clients-{stamp}", header=header, rows=rows, from_replica=True, sheet="Clients"
    )


# --- first contact ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(SM, ADM)
def client_new(request):
    duplicates = []
    if request.method == "POST":
        form = FirstContactForm(request.POST)
        if form.is_valid():
            data = form.service_kwargs()
            duplicates = selectors.client_duplicates(phone=data["phone"], email=data["email"], name=data["name"])
            if duplicates and not form.cleaned_data["create_anyway"]:
                form.add_error(
                    "create_anyway", gettext("This may be a client we know already. Open them, or tick this box.")
                )
            else:
                try:
                    client = services.client_create(by=request.user, **data)
                except ApplicationError as exc:
                    apply_application_error(form, exc)
                else:
                    messages.success(request, gettext("%(name)s added.") % {"name": client.name})
                    return redirect("clients:card", client_id=client.pk)
    else:
        keeper = services.first_contact_manager(request.user)
        form = FirstContactForm(initial={"manager": keeper.pk} if keeper else {})
    return render(request, "clients/new.html", {"form": form, "duplicates": duplicates})


@require_GET
@role_required(SM, ADM)
def client_duplicates(request):
    g = request.GET
    found = selectors.client_duplicates(
        phone=g.get("phone", ""), email=g.get("email", ""), name=g.get("name", ""), exclude_pk=_int(g.get("exclude"))
    )
    return render(request, "clients/_duplicates.html", {"duplicates": found})


# --- tasks page -----------------------------------------------------------------------------------


@require_GET
@role_required(SM, ADM)
def task_list(request):
    return task_list_response(request)


def task_list_response(request):
    """The tasks page, or its rows for htmx: also the answer to closing a task from that page (a POST, which
    the GET-only view itself would refuse with 405)."""
    admin = is_admin(request.user)
    show = request.GET.get("show", "open")
    assignee = request.user if not admin or request.GET.get("mine") else None
    qs = selectors.task_list(assignee=assignee, status="" if show == "all" else FollowUpTask.Status.OPEN)
    tasks = list(qs.order_by("due_date", "id")[:300])
    ctx = {"tasks": tasks, "today": timezone.localdate(), "admin": admin, "show": show}
    return render_partial(request, "clients/tasks.html", "clients/_task_rows.html", ctx)


# --- merge ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(ADM)
def client_merge(request):
    complete_query = {"survivor", "loser"} <= set(request.GET)
    form = MergeForm(request.POST or (request.GET if complete_query else None), initial=request.GET.dict())
    pair = None
    if form.is_bound and form.is_valid():
        survivor, loser = form.cleaned_data["survivor"], form.cleaned_data["loser"]
        pair = (survivor, loser)
        if request.method == "POST" and request.POST.get("confirm"):
            try:
                services.client_merge(survivor=survivor, loser=loser, by=request.user)
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(
                    request,
                    gettext("%(name)s (#%(pk)s) merged into %(name2)s.")
                    % {"name": loser.name, "pk": loser.pk, "name2": survivor.name},
                )
                return redirect("clients:card", client_id=survivor.pk)
    return render(request, "clients/merge.html", {"form": form, "pair": pair})
