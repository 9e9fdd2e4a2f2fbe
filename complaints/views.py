"""Complaint pages for staff: board, list, intake, detail with its actions, the client card tab and the
systematization page. Sales managers and administrators handle complaints; accountants (whose client card
is the billing page) get 403 from every complaint page, the card tab included, as from the API, except the
intake page: everyone takes a complaint a client brings them and hands it to a handler."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client
from crm.db import reads_from_replica
from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal
from crm.htmx import render_partial, wants_fragment
from crm.roles import has_role
from crm.views import role_required

from . import analytics, forms, rules, selectors, services
from .models import Complaint

HANDLERS = rules.HANDLER_ROLES


@role_required(*HANDLERS)
def board(request):
    mine = request.GET.get("mine") == "1"
    columns = selectors.board_columns(manager=request.user.pk if mine else None)
    context = {"columns": columns, "mine": mine}
    return render_partial(request, "complaints/board.html", "complaints/_board_columns.html", context)


@role_required(*HANDLERS)
def complaint_list(request):
    form = forms.ListFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "kind": data["kind"],
            "status": data["status"],
            "category": data["category"].pk if data["category"] else None,
            "severity": data["severity"],
            "manager": data["manager"].pk if data["manager"] else None,
            "breached": {"yes": True, "no": False}.get(data["breached"]),
            "q": data["q"].strip(),
        }
    page = Paginator(selectors.complaint_list(**filters), 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "complaints": page.object_list}
    return render_partial(request, "complaints/list.html", "complaints/_list_table.html", context)


@role_required(*rules.INTAKE_ROLES)
def intake(request):
    """Every staff role records a complaint a client brings and may hand it to a handler. Someone who does
    not handle complaints (an accountant) stays on this page afterwards and sees only what they recorded."""
    initial = {"client_id": request.GET.get("client_id")} if request.GET.get("client_id", "").isdigit() else {}
    form = forms.StaffIntakeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_create(
                text=data["text"],
                channel=data["channel"],
                kind=data["kind"],
                client=data["client"],
                by=request.user,
                subject=data["subject"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                severity=data["severity"],
                category=data["category"],
                purchase=data["purchase"],
                product=data["product"],
                claimed_amount=data["claimed_amount"],
                hand_to=data["hand_to"],
            )
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(
                request,
                gettext("Recorded %(reference)s; the client was sent the reference.")
                % {"reference": complaint.reference},
            )
            if complaint.assigned_to_id:
                handler = complaint.assigned_to.get_full_name() or complaint.assigned_to.username
                messages.info(request, _("%(name)s handles it.") % {"name": handler})
            if services.may_handle(request.user):
                return redirect("complaints:detail", pk=complaint.pk)
            return redirect("complaints:intake")
    can_handle = services.may_handle(request.user)
    context = {
        "form": form,
        "can_handle": can_handle,
        "recorded": [] if can_handle else list(selectors.complaints_recorded_by(user=request.user)[:50]),
    }
    return render(request, "complaints/intake.html", context, status=400 if form.errors else 200)


def _detail_context(request, complaint, **forms_override) -> dict:
    return {
        "complaint": complaint,
        "transitions": [Complaint.Status(s) for s in rules.allowed_transitions(complaint.status)],
        "triage_form": forms_override.get("triage_form")
        or forms.TriageForm(
            initial={
                "category": complaint.category_id,
                "severity": complaint.severity,
                "kind": complaint.kind,
                "assigned_to": complaint.assigned_to_id,
            }
        ),
        "assign_form": forms_override.get("assign_form") or forms.AssignForm(),
        "transition_form": forms_override.get("transition_form") or forms.TransitionForm(),
        "comment_form": forms_override.get("comment_form") or forms.CommentForm(),
        "goodwill_form": forms_override.get("goodwill_form") or forms.GoodwillForm(),
        "root_causes": Complaint.RootCause.choices,
        "can_act": services.can_act_on(request.user, complaint),
    }


def _get(pk: int) -> Complaint:
    try:
        return selectors.complaint_get(pk=pk)
    except Complaint.DoesNotExist:
        raise Http404(gettext("No such complaint."))


@role_required(*HANDLERS)
def detail(request, pk: int):
    complaint = _get(pk)
    return render_partial(
        request, "complaints/detail.html", "complaints/_detail.html", _detail_context(request, complaint)
    )


def _after_action(request, pk: int, form_name: str | None = None, form=None, message: str = ""):
    complaint = _get(pk)
    if form is not None and form.errors:
        context = _detail_context(request, complaint, **{form_name: form})
        # htmx does not swap 4xx responses; the fragment with its errors is the answer.
        status = 200 if wants_fragment(request) else 400
        return render_partial(request, "complaints/detail.html", "complaints/_detail.html", context, status=status)
    if message:  # an htmx swap shows it as a toast (crm.middleware.HtmxResponseMiddleware), a page after the redirect
        messages.success(request, message)
    if wants_fragment(request):
        return render(request, "complaints/_detail.html", _detail_context(request, complaint))
    return redirect("complaints:detail", pk=pk)


def _act(request, pk: int, form_class, form_name: str, message: str, act):
    """A detail-page action: validate the form, call `act(complaint, cleaned_data)` (a service), put a refused
    rule on the form, and answer with the detail page (fragment for htmx)."""
    complaint = get_object_or_404(Complaint, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(complaint, form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
    return _after_action(request, pk, form_name, form, message)


@require_POST
@role_required(*HANDLERS)
def transition(request, pk: int):
    def act(complaint, data):
        services.complaint_transition(
            complaint=complaint,
            to_status=data["to_status"],
            by=request.user,
            note=data["note"],
            resolution_note=data["resolution_note"],
            root_cause=data["root_cause"],
        )

    return _act(request, pk, forms.TransitionForm, "transition_form", "Status changed.", act)


@require_POST
@role_required(*HANDLERS)
def triage(request, pk: int):
    def act(complaint, data):
        services.complaint_triage(
            complaint=complaint,
            by=request.user,
            category=data["category"],
            severity=data["severity"],
            kind=data["kind"],
            assigned_to=data["assigned_to"],
        )

    return _act(request, pk, forms.TriageForm, "triage_form", "Triaged.", act)


@require_POST
@role_required(*HANDLERS)
def assign(request, pk: int):
    def act(complaint, data):
        services.complaint_assign(complaint=complaint, to=data["assigned_to"], by=request.user, note=data["note"])

    return _act(request, pk, forms.AssignForm, "assign_form", "Reassigned.", act)


@require_POST
@role_required(*HANDLERS)
def comment(request, pk: int):
    def act(complaint, data):
        services.comment_add(complaint=complaint, by=request.user, body=data["body"], is_response=data["is_response"])

    return _act(request, pk, forms.CommentForm, "comment_form", "Comment added.", act)


@require_POST
@role_required(*HANDLERS)
def goodwill(request, pk: int):
    def act(complaint, data):
        services.goodwill_add(
            complaint=complaint, kind=data["kind"], cost=data["cost"], by=request.user, note=data["note"]
        )

    return _act(request, pk, forms.GoodwillForm, "goodwill_form", "Goodwill gesture recorded.", act)


# --- anonymous complaints waiting for staff to confirm whose they are ------------------------------------


@role_required(*HANDLERS)
def triage_queue(request):
    """Anonymous complaints whose details match a client: staff confirm the match (the complaint is attached
    and re-prioritised) or reject it."""
    context = {"complaints": list(selectors.client_match_queue()[:200]), "form": forms.MatchDecisionForm()}
    return render_partial(request, "complaints/triage_queue.html", "complaints/_triage_queue_rows.html", context)


@require_POST
@role_required(*HANDLERS)
def match_decide(request, pk: int):
    complaint = get_object_or_404(Complaint, pk=pk)
    form = forms.MatchDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "confirm":
                services.complaint_match_confirm(
                    complaint=complaint, by=request.user, client=data["client"], note=data["note"]
                )
            else:
                services.complaint_match_reject(complaint=complaint, by=request.user, note=data["note"])
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
    if form.errors:
        context = {"complaints": list(selectors.client_match_queue()[:200]), "form": form, "failed": pk}
        return render_partial(
            request,
            "complaints/triage_queue.html",
            "complaints/_triage_queue_rows.html",
            context,
            status=200 if wants_fragment(request) else 400,
        )
    messages.success(
        request,
        gettext("%(reference)s: %(attached__if_data)s.")
        % {
            "reference": complaint.reference,
            "attached__if_data": "attached" if data["decision"] == "confirm" else "match rejected",
        },
    )
    if wants_fragment(request):
        context = {"complaints": list(selectors.client_match_queue()[:200]), "form": forms.MatchDecisionForm()}
        return render(request, "complaints/_triage_queue_rows.html", context)
    return redirect("complaints:triage_queue")


@role_required(*HANDLERS)
def client_tab(request, client_id: int):
    """HTML fragment for the client card: the client's complaints with goodwill and survey answers."""
    if not Client.objects.filter(pk=client_id).exists():
        raise Http404(gettext("No such client."))
    complaints = selectors.client_complaints(client_id=client_id)
    return render(
        request,
        "complaints/client_tab.html",
        {"complaints": complaints, "client_id": client_id, "can_handle": has_role(request.user, *HANDLERS)},
    )


@role_required(*HANDLERS)
@reads_from_replica
def systematization(request):
    try:
        months = max(1, min(36, int(request.GET.get("months", 12))))
    except ValueError:
        months = 12
    return render(
        request, "complaints/systematization.html", {"data": analytics.systematization(months=months), "months": months}
    )
