"""Pages: the outbox for administrators, print batches, message templates and the staff inbox. Views parse
input, read through selectors and call one service. News and the unsubscribe page are the clients app's
(clients/messaging_views.py), mounted here through the outbox registry."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import exports as crm_exports
from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.htmx import render_partial, wants_fragment
from crm.roles import Role
from crm.views import role_required

from . import exports, selectors, services
from .forms import MessageTemplateForm, NotificationFilterForm
from .models import MessageTemplate, Notification, PrintBatch

ADM = Role.ADMINISTRATOR
ALL = tuple(Role.values)


# --- outbox ----------------------------------------------------------------------------------------------


@role_required(ADM)
def notification_list(request):
    form = NotificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.notification_list(
        status=filters.get("status", ""), channel=filters.get("channel", ""), event=filters.get("event", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "counts": [
            (status, Notification.Status(status).label, n)
            for status, n in selectors.notification_status_counts().items()
        ],
        "events": selectors.notification_events(),
        "querystring": request.GET.urlencode(),
    }
    return render_partial(request, "notifications/list.html", "notifications/_table.html", ctx)


@role_required(ADM)
@require_POST
def notification_retry(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk)
    try:
        notification = services.notification_retry(notification=notification, by=request.user)
    except ApplicationError as exc:
        if wants_fragment(request):
            return HttpResponse(exc.message, status=400)
        messages.error(request, exc.message)
        return redirect("notifications:list")
    notification.refresh_from_db()
    messages.success(request, gettext("Notification %(pk)s will be tried again.") % {"pk": pk})
    if wants_fragment(request):
        return render(request, "notifications/_row.html", {"n": notification})
    return redirect("notifications:list")


# --- staff inbox -----------------------------------------------------------------------------------------


@role_required(*ALL)
def inbox(request):
    page = Paginator(selectors.inbox_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request, "notifications/inbox.html", {"page": page, "unread": selectors.inbox_unread_count(user=request.user)}
    )


@role_required(*ALL)
@require_POST
def inbox_read(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(notification=notification, user=request.user)
    if wants_fragment(request):
        messages.info(request, _("Marked as read."))
        return render(request, "notifications/_inbox_item.html", {"n": notification})
    return redirect("notifications:inbox")


@role_required(*ALL)
@require_POST
def inbox_read_all(request):
    services.notification_mark_all_read(user=request.user)
    return redirect("notifications:inbox")


# --- print batches ---------------------------------------------------------------------------------------


@role_required(ADM)
def print_batch_list(request):
    return render(request, "notifications/print_batches.html", {"batches": selectors.print_batch_list()[:200]})


@role_required(ADM)
def print_batch_pdf(request, pk: int):
    batch = get_object_or_404(PrintBatch, pk=pk)
    pdf = exports.print_batch_pdf(batch, selectors.print_batch_letters(batch=batch))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="print-batch-{batch.pk}.pdf"'
    return response


@role_required(ADM)
def print_batch_csv(request, pk: int):
    batch = get_object_or_404(PrintBatch, pk=pk)
    return crm_exports.export_response(
        request,
        filename=f"mailing-list-{batch.pk}",
        header=exports.MAILING_LIST_HEADER,
        rows=exports.print_batch_rows(selectors.print_batch_letters(batch=batch)),
        sheet="Mailing list",
    )


@role_required(ADM)
@require_POST
def print_batch_close(request, pk: int):
    batch = get_object_or_404(PrintBatch, pk=pk)
    try:
        services.print_batch_close(batch=batch, by=request.user)
        messages.success(request, gettext("Batch %(pk)s is closed for printing.") % {"pk": pk})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("notifications:print_batches")


# --- message templates -----------------------------------------------------------------------------------


@role_required(ADM)
def template_list(request):
    return render(request, "notifications/templates.html", {"templates": selectors.message_template_list()})


@role_required(ADM)
def template_edit(request, pk: int | None = None):
    template = get_object_or_404(MessageTemplate, pk=pk) if pk else None
    form = MessageTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_template_save(**form.cleaned_data, template=template, by=request.user)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("Template saved."))
            return redirect("notifications:templates")
    status = 400 if form.errors else 200
    return render(request, "notifications/template_form.html", {"form": form, "template": template}, status=status)


@role_required(ADM)
@require_POST
def template_preview(request):
    """The template being edited, rendered with sample values (read only: nothing is saved)."""
    try:
        subject, body = services.message_template_preview(
            subject=request.POST.get("subject", ""), body=request.POST.get("body", "")
        )
        ctx = {"subject": subject, "body": body}
    except ApplicationError as exc:  # show the administrator what is wrong with the template
        ctx = {"error": exc.message}
    return render(request, "notifications/_template_preview.html", ctx)
