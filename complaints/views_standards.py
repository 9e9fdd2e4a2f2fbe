"""Service standards pages: targets, calendar, categories, documents and acknowledgements, compliance.
Every staff role may read them and acknowledge documents; only administrators change them."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.db import reads_from_replica
from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.roles import Role, is_admin
from crm.standards import selectors as standard_selectors
from crm.standards import services as standard_services
from crm.standards import targets as versioned_targets
from crm.standards.calendar import current_calendar
from crm.standards.models import Holiday, StandardDocument
from crm.views import role_required

from . import analytics, forms, selectors, standards
from .models import ComplaintCategory
from .services.clocks import target_key

ALL_ROLES = (Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR)
ADMIN = (Role.ADMINISTRATOR,)


def _page(request, status=200, **forms_override):
    cal = current_calendar()
    context = {
        "targets": selectors.target_list(),
        "service_targets": standard_selectors.service_targets(),
        "calendar": cal,
        "weekday_names": [name for day, name in forms.WEEKDAYS if day in cal.weekdays],
        "holidays": Holiday.objects.all(),
        "categories": selectors.category_list(),
        "documents": standard_selectors.documents_for_user(user=request.user),
        "is_admin": is_admin(request.user),
        "target_form": forms_override.get("target_form") or forms.TargetForm(),
        "calendar_form": forms_override.get("calendar_form")
        or forms.CalendarForm(
            initial={"working_weekdays": sorted(cal.weekdays), "day_start": cal.day_start, "day_end": cal.day_end}
        ),
        "holiday_form": forms_override.get("holiday_form") or forms.HolidayForm(),
        "category_form": forms_override.get("category_form") or forms.CategoryForm(),
        "document_form": forms_override.get("document_form") or forms.DocumentForm(),
        "target_overview": versioned_targets.overview(),
        "version_form": forms_override.get("version_form") or forms.TargetVersionForm(),
    }
    # the response targets table shows the hours in force now (a change from a date is a version)
    in_force = {t["key"]: t["hours"] for t in context["target_overview"]}
    context["targets"] = list(context["targets"])
    for row in context["targets"]:
        row.first_in_force = in_force.get(target_key(row.pk, "first_response"), row.first_response_hours)
        row.resolution_in_force = in_force.get(target_key(row.pk, "resolution"), row.resolution_hours)
    targets = context["service_targets"]
    context["service_targets_form"] = forms_override.get("service_targets_form") or forms.ServiceTargetsForm(
        initial={
            "invoice_issue_hours": targets.invoice_issue_hours,
            "key_client_max_days_without_contact": targets.key_client_max_days_without_contact,
            "complaint_handling_cost": targets.complaint_handling_cost,
            "escalation_warning_hours": targets.escalation_warning_hours,
            "supervisor": targets.supervisor_id,
        }
    )
    if context["is_admin"]:
        context["ack"] = standard_selectors.acknowledgement_matrix()
    return render(request, "complaints/standards.html", context, status=status)


@role_required(*ALL_ROLES)
def standards_page(request):
    return _page(request)


def _save_settings_form(request, form_class, service, success: str, form_name: str):
    """Validate an administrator's settings form, call its service, and show the page again on errors."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(**form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, success)
            return redirect("complaints:standards")
    return _page(request, status=400, **{form_name: form})


@require_POST
@role_required(*ADMIN)
def target_save(request):
    return _save_settings_form(request, forms.TargetForm, standards.target_set, "Target saved.", "target_form")


@require_POST
@role_required(*ADMIN)
def target_version_save(request):
    form = forms.TargetVersionForm(request.POST)
    if form.is_valid():
        try:
            version = standard_services.target_version_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(
                request,
                _("New target of %(hours)s working hours, effective %(when)s.")
                % {
                    "hours": version.hours,
                    "when": timezone.localtime(version.effective_from).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect(reverse("complaints:standards") + "#target-versions")
    return _page(request, status=400, version_form=form)


@require_POST
@role_required(*ADMIN)
def service_targets_save(request):
    return _save_settings_form(
        request,
        forms.ServiceTargetsForm,
        standard_services.service_targets_update,
        "Service targets saved.",
        "service_targets_form",
    )


@require_POST
@role_required(*ADMIN)
def calendar_save(request):
    return _save_settings_form(
        request, forms.CalendarForm, standard_services.calendar_update, "Business calendar saved.", "calendar_form"
    )


@require_POST
@role_required(*ADMIN)
def holiday_add(request):
    form = forms.HolidayForm(request.POST)
    if form.is_valid():
        try:
            standard_services.holiday_add(day=form.cleaned_data["date"], name=form.cleaned_data["name"])
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("Holiday added."))
            return redirect("complaints:standards")
    return _page(request, status=400, holiday_form=form)


@require_POST
@role_required(*ADMIN)
def holiday_delete(request, pk: int):
    standard_services.holiday_remove(holiday=get_object_or_404(Holiday, pk=pk))
    messages.success(request, gettext("Holiday removed."))
    return redirect("complaints:standards")


@require_POST
@role_required(*ADMIN)
def category_save(request):
    form = forms.CategoryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        existing = ComplaintCategory.objects.filter(code=data["code"]).first()
        try:
            standards.category_save(category=existing, **data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("Category saved."))
            return redirect("complaints:standards")
    return _page(request, status=400, category_form=form)


@require_POST
@role_required(*ADMIN)
def document_create(request):
    form = forms.DocumentForm(request.POST)
    if form.is_valid():
        try:
            document = standard_services.document_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("Document published."))
            return redirect("complaints:document", pk=document.pk)
    return _page(request, status=400, document_form=form)


def _document_page(request, document, form=None, status=200):
    versions = document.versions.select_related("published_by").all()
    acknowledged = (
        document.current_version_id is not None
        and document.current_version.acknowledgements.filter(user=request.user).exists()
    )
    context = {
        "document": document,
        "versions": versions,
        "acknowledged": acknowledged,
        "is_admin": is_admin(request.user),
        "publish_form": form or forms.PublishForm(initial={"body": getattr(document.current_version, "body", "")}),
    }
    return render(request, "complaints/document.html", context, status=status)


@role_required(*ALL_ROLES)
def document_detail(request, pk: int):
    document = get_object_or_404(StandardDocument.objects.select_related("current_version"), pk=pk)
    return _document_page(request, document)


@require_POST
@role_required(*ADMIN)
def document_publish(request, pk: int):
    document = get_object_or_404(StandardDocument.objects.select_related("current_version"), pk=pk)
    form = forms.PublishForm(request.POST)
    if form.is_valid():
        try:
            standard_services.document_publish(document=document, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("New version published; staff must acknowledge it."))
            return redirect("complaints:document", pk=pk)
    return _document_page(request, document, form=form, status=400)


@require_POST
@role_required(*ALL_ROLES)
def document_acknowledge(request, pk: int):
    document = get_object_or_404(StandardDocument.objects.select_related("current_version"), pk=pk)
    try:
        standard_services.document_acknowledge(document=document, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("You acknowledged %(title)s v%(number)s.")
            % {"title": document.title, "number": document.current_version.number},
        )
    return redirect("complaints:document", pk=pk)


@role_required(*ALL_ROLES)
@reads_from_replica
def compliance(request):
    period = request.GET.get("period", "month")
    if period not in analytics.PERIODS:
        period = "month"
    return render(
        request,
        "complaints/compliance.html",
        {"data": analytics.compliance(period=period), "periods": analytics.PERIODS},
    )
