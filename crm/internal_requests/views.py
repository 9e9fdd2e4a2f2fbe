"""Internal request pages: my requests and a new one, a team's queue, a request with its actions, and the
administrators' teams page. Thin: the rules are in services.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal, raise_if_forbidden
from crm.roles import Role, has_role
from crm.views import role_required

from . import forms, selectors, services, sources
from .models import InternalRequest, RequestKind, Team

ALL = tuple(Role.values)
ADM = Role.ADMINISTRATOR
QUEUE_LIMIT = 200


@role_required(*ALL)
@require_http_methods(["GET", "POST"])
def index(request):
    form = forms.RequestForm(request.POST or None, exclude_codes=sources.sourced_kind_codes())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_open(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Request sent to %(team)s; due by %(due)s.")
                % {"team": created.team.name, "due": f"{timezone.localtime(created.due_at):%d %b %H:%M}"},
            )
            return redirect("internal_requests:detail", pk=created.pk)
    ctx = {
        "form": form,
        "mine": list(selectors.requests_of(user=request.user)[:100]),
        "teams": selectors.teams_of(request.user),
        "is_admin": has_role(request.user, ADM),
        "now": timezone.now(),
    }
    return render(request, "internal_requests/index.html", ctx, status=400 if form.errors else 200)


@role_required(*ALL)
def queue(request, pk: int):
    team = get_object_or_404(Team, pk=pk)
    if not selectors.can_view_queue(request.user, team):
        raise PermissionDenied(_("Only members of the team see its queue."))
    status = request.GET.get("status", "active")
    if status not in ("active", "all", *InternalRequest.Status.values):
        status = "active"
    ctx = {
        "team": team,
        "status": status,
        "statuses": InternalRequest.Status.choices,
        "requests": list(selectors.team_queue(team=team, status=status)[:QUEUE_LIMIT]),
        "now": timezone.now(),
    }
    return render(request, "internal_requests/queue.html", ctx)


def _get_visible(request, pk: int) -> InternalRequest:
    return get_object_or_404(selectors.visible_to(request.user), pk=pk)


def _detail(request, item: InternalRequest, *, status: int = 200, **form_overrides):
    member = services.is_member(request.user, item.team)
    source = sources.get(item.source)
    ctx = {
        "item": item,
        "member": member,
        "is_admin": has_role(request.user, ADM),
        "is_requester": item.requested_by_id == request.user.pk,
        "source": source,
        "source_url": source.url(item.source_id) if source else "",
        "assign_form": form_overrides.get("assign_form") or forms.AssignForm(team=item.team),
        "complete_form": form_overrides.get("complete_form") or forms.CompleteForm(),
        "rate_form": form_overrides.get("rate_form") or forms.RateForm(),
    }
    return render(request, "internal_requests/detail.html", ctx, status=status)


@role_required(*ALL)
def detail(request, pk: int):
    return _detail(request, _get_visible(request, pk))


@role_required(*ALL)
@require_POST
def take(request, pk: int):
    item = _get_visible(request, pk)
    try:
        services.request_take(request=item, by=request.user)
    except ApplicationError as exc:
        raise_if_forbidden(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You took the request."))
    return redirect("internal_requests:detail", pk=pk)


@role_required(*ALL)
@require_POST
def assign(request, pk: int):
    item = _get_visible(request, pk)
    form = forms.AssignForm(request.POST, team=item.team)
    if form.is_valid():
        try:
            services.request_assign(request=item, to=form.cleaned_data["assignee"], by=request.user)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("The request is given to %(name)s.") % {"name": form.cleaned_data["assignee"]})
            return redirect("internal_requests:detail", pk=pk)
    return _detail(request, item, status=400, assign_form=form)


@role_required(*ALL)
@require_POST
def complete(request, pk: int):
    item = _get_visible(request, pk)
    form = forms.CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.request_complete(request=item, by=request.user, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("The request is done; the requester is asked to rate it."))
            return redirect("internal_requests:detail", pk=pk)
    return _detail(request, item, status=400, complete_form=form)


@role_required(*ALL)
@require_POST
def rate(request, pk: int):
    item = _get_visible(request, pk)
    form = forms.RateForm(request.POST)
    if form.is_valid():
        try:
            services.request_rate(request=item, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("Thank you for rating the request."))
            return redirect("internal_requests:detail", pk=pk)
    return _detail(request, item, status=400, rate_form=form)


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def teams(request):
    form = forms.TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("is_active", None)
        try:
            team = services.team_create(by=request.user, **data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("Team %(name)s created.") % {"name": team.name})
            return redirect("internal_requests:team", pk=team.pk)
    ctx = {"form": form, "teams": list(selectors.team_list())}
    return render(request, "internal_requests/teams.html", ctx, status=400 if form.errors else 200)


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def team(request, pk: int):
    obj = get_object_or_404(Team, pk=pk)
    initial = {
        "name": obj.name,
        "code": obj.code,
        "description": obj.description,
        "members": list(obj.members.all()),
        "is_active": obj.is_active,
    }
    action = request.POST.get("action", "")
    team_form = forms.TeamForm(request.POST if action == "team" else None, initial=initial)
    kind_form = forms.KindForm(request.POST if action == "kind" else None)
    if action == "team" and team_form.is_valid():
        data = dict(team_form.cleaned_data)
        data.pop("code", None)
        try:
            services.team_update(team=obj, by=request.user, **data)
        except ApplicationError as exc:
            apply_service_refusal(team_form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("internal_requests:team", pk=pk)
    if action == "kind" and kind_form.is_valid():
        data = dict(kind_form.cleaned_data)
        data.pop("is_active", None)
        try:
            services.kind_create(team=obj, by=request.user, **data)
        except ApplicationError as exc:
            apply_service_refusal(kind_form, exc)
        else:
            messages.success(request, _("Kind of request added."))
            return redirect("internal_requests:team", pk=pk)
    failed = team_form.errors or kind_form.errors
    ctx = {
        "team": obj,
        "team_form": team_form,
        "kind_form": kind_form,
        "kinds": list(obj.kinds.order_by("name")),
    }
    return render(request, "internal_requests/team.html", ctx, status=400 if failed else 200)


@role_required(ADM)
@require_POST
def kind_update(request, pk: int):
    kind = get_object_or_404(RequestKind, pk=pk)
    form = forms.KindForm(request.POST)
    if form.is_valid():
        try:
            services.kind_update(
                kind=kind,
                name=form.cleaned_data["name"],
                turnaround_hours=form.cleaned_data["turnaround_hours"],
                is_active=form.cleaned_data["is_active"],
                by=request.user,
            )
        except ApplicationError as exc:
            raise_if_forbidden(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Kind of request saved."))
    else:
        messages.error(request, _("Check the kind: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("internal_requests:team", pk=kind.team_id)
