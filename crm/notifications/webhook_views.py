"""Pages for administrators: webhook subscriptions, their secrets, and the events sent with the receivers'
answers (failures first to hand, with a re-send button). The rules are in webhooks.py."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.roles import Role
from crm.views import role_required

from . import webhooks
from .models import Notification, WebhookEvent, WebhookSubscription

ADM = Role.ADMINISTRATOR


class SubscriptionForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.URLField(max_length=500, label=gettext_lazy("URL"), assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in webhooks.EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every event type."),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Active"))


def _events(subscription, status: str):
    qs = WebhookEvent.objects.filter(subscription=subscription).select_related("notification")
    if status:
        qs = qs.filter(notification__status=status)
    return qs.prefetch_related("attempts").order_by("-id")


@role_required(ADM)
def subscription_list(request):
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscription = webhooks.subscription_create(
                name=data["name"], url=data["url"], event_types=data["event_types"], by=request.user
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            if not data["is_active"]:
                webhooks.subscription_update(subscription=subscription, is_active=False)
            request.session["webhook_secret"] = subscription.secrets[0]["secret"]
            messages.success(
                request, gettext("Subscription “%(name)s” created. Copy its secret now.") % {"name": subscription.name}
            )
            return redirect("notifications:webhook", pk=subscription.pk)
    subscriptions = WebhookSubscription.objects.order_by("name", "id")
    failed = dict(
        WebhookEvent.objects.filter(notification__status=Notification.Status.FAILED)
        .values_list("subscription_id")
        .annotate(n=Count("id"))
    )
    rows = [(s, failed.get(s.pk, 0)) for s in subscriptions]
    return render(request, "notifications/webhooks.html", {"form": form, "rows": rows})


@role_required(ADM)
def subscription_detail(request, pk: int):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    initial = {
        "name": subscription.name,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "is_active": subscription.is_active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.subscription_update(subscription=subscription, **form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("Subscription saved."))
            return redirect("notifications:webhook", pk=pk)
    status = request.GET.get("status", "")
    if status not in Notification.Status.values:
        status = ""
    page = Paginator(_events(subscription, status), 50).get_page(request.GET.get("page"))
    context = {
        "subscription": subscription,
        "form": form,
        "page": page,
        "status": status,
        "statuses": Notification.Status.choices,
        "new_secret": request.session.pop("webhook_secret", ""),
    }
    return render(request, "notifications/webhook_detail.html", context)


@role_required(ADM)
@require_POST
def subscription_rotate(request, pk: int):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    request.session["webhook_secret"] = webhooks.subscription_rotate_secret(subscription=subscription)
    messages.success(request, gettext("New secret made; the previous one keeps signing for 24 hours. Copy it now."))
    return redirect("notifications:webhook", pk=pk)


@role_required(ADM)
@require_POST
def event_resend(request, pk: int):
    event = get_object_or_404(WebhookEvent, pk=pk)
    try:
        webhooks.event_resend(event=event)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Event %(type)s for %(entity)s will be sent again.") % {"type": event.type, "entity": event.entity},
        )
    return redirect("notifications:webhook", pk=event.subscription_id)
