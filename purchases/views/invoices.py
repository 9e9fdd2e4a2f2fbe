"""Invoice pages: the queues, a sales manager's request, an invoice with the accountants' actions, the PDF."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal
from crm.roles import Role, is_accountant, is_admin, is_sales_manager
from crm.views import role_required

from .. import forms, selectors, services
from ..forms import first_error
from ..models import Invoice
from ..pdf import invoice_pdf_response
from ..services.tax import tax_summary
from .params import client_or_404, int_or_none

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ALL = (SM, ACC, ADM)


@role_required(*ALL)
@require_GET
def invoices(request):
    now = timezone.now()
    ctx = {"now": now, "status": request.GET.get("status", ""), "currency": settings.CURRENCY}
    if is_accountant(request.user) or is_admin(request.user):
        ctx["queue"] = list(selectors.invoice_queue()[:100])
        ctx["send_problems"] = list(selectors.invoice_send_problems()[:100])
        ctx["credit_note_send_problems"] = list(selectors.credit_note_send_problems()[:100])
    if is_sales_manager(request.user):
        ctx["mine"] = list(selectors.invoice_list(requested_by=request.user)[:100])
    ctx["recent"] = list(selectors.invoice_list(status=ctx["status"] or None).exclude(status="requested")[:50])
    if is_admin(request.user):
        ctx["turnaround"] = selectors.invoice_turnaround()
    return render(request, "purchases/invoices.html", ctx)


@role_required(SM)
@require_http_methods(["GET", "POST"])
def invoice_request(request):
    client = client_or_404(int_or_none(request.POST.get("client") or request.GET.get("client")))
    error = ""
    if request.method == "POST":
        form = forms.InvoiceRequestForm(request.POST)
        if not form.is_valid():
            error = first_error(form)
        else:
            try:
                invoice = services.invoice_request(client=client, by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                error = exc.message
            else:
                when = timezone.localtime(invoice.due_at)
                messages.success(request, f"Invoice requested; due by {when:%d %b %H:%M}.")
                return redirect("purchases:invoice", pk=invoice.pk)
    candidates = selectors.purchase_list(client=client, kind="sale").exclude(invoices__status__in=Invoice.OPEN)[:100]
    selected = {int_or_none(v) for v in request.GET.getlist("purchase")}
    ctx = {"client": client, "candidates": candidates, "selected": selected, "error": error}
    return render(request, "purchases/invoice_request.html", ctx)


@role_required(*ALL)
@require_GET
def invoice_detail(request, pk):
    try:
        invoice = selectors.invoice_get(pk=pk)
    except Invoice.DoesNotExist:
        raise Http404
    return _detail(request, invoice)


def _detail(request, invoice, *, payment_form=None, refund_form=None, status=200):
    today = timezone.localdate()
    lines = selectors.invoice_lines(invoice=invoice)
    ctx = {
        "invoice": invoice,
        "lines": lines,
        "summary": tax_summary(lines),
        "currency": settings.CURRENCY,
        "is_accountant": is_accountant(request.user),
        "payment_form": payment_form or forms.PaymentForm(initial={"paid_on": today, "amount": invoice.balance}),
        "refund_form": refund_form
        or forms.RefundForm(initial={"refunded_on": today, "amount": services.invoice_refund_limit(invoice)}),
        "void_form": forms.VoidForm(),
        "overdue": invoice.status == "requested" and invoice.due_at < timezone.now(),
        "can_pay": services.invoice_can_pay(invoice),
        "can_refund": services.invoice_can_refund(invoice),
    }
    return render(request, "purchases/invoice_detail.html", ctx, status=status)


MONEY_FORMS = {"payment": forms.PaymentForm, "refund": forms.RefundForm}


def _record_money(request, invoice, action):
    """A payment or a refund from the invoice page: a refused rule is shown on the form, re-rendered (400)."""
    form = MONEY_FORMS[action](request.POST)
    if form.is_valid():
        try:
            if action == "payment":
                services.invoice_payment_record(invoice=invoice, by=request.user, **form.cleaned_data)
                messages.success(request, gettext("Payment recorded."))
            else:
                services.invoice_refund_record(invoice=invoice, by=request.user, **form.cleaned_data)
                messages.success(request, gettext("Refund recorded."))
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            return redirect(reverse("purchases:invoice", args=[invoice.pk]))
    invoice = selectors.invoice_get(pk=invoice.pk)
    return _detail(request, invoice, status=400, **{f"{action}_form": form})


@role_required(ACC)
@require_POST
def invoice_action(request, pk, action):
    invoice = get_object_or_404(Invoice, pk=pk)
    if action in MONEY_FORMS:
        return _record_money(request, invoice, action)
    try:
        if action == "claim":
            services.invoice_claim(invoice=invoice, by=request.user)
        elif action == "issue":
            invoice = services.invoice_issue(invoice=invoice, by=request.user)
            messages.success(request, gettext("Issued %(number)s.") % {"number": invoice.number})
        elif action == "send":
            invoice = services.invoice_send(invoice=invoice, by=request.user)
            if invoice.send_state == Invoice.SendState.FAILED:
                messages.error(request, gettext("Not sent: %(send_error)s.") % {"send_error": invoice.send_error})
            else:
                messages.success(request, gettext("The invoice is on its way to the client with its PDF."))
        elif action == "void":
            form = forms.VoidForm(request.POST)
            services.invoice_void(
                invoice=invoice, by=request.user, reason=form.data.get("reason", "") if form.is_bound else ""
            )
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("purchases:invoice", args=[pk]))


@role_required(*ALL)
@require_GET
def invoice_pdf(request, pk):
    invoice = get_object_or_404(selectors.invoice_list(), pk=pk)
    return invoice_pdf_response(invoice)
