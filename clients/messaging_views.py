"""Client-side pages under /notifications/: company news (compose, follow, cancel) and the public
unsubscribe page. Mounted in the notifications namespace through the outbox registry (clients/messaging.py),
so their addresses and names are those they always had."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.roles import Role
from crm.views import role_required

from . import messaging, selectors
from . import news as news_services
from .forms import NewsForm
from .models import News

ADM = Role.ADMINISTRATOR


# --- news ------------------------------------------------------------------------------------------------


@role_required(ADM)
def news_list(request):
    return render(request, "notifications/news_list.html", {"news_items": selectors.news_list()[:200]})


@role_required(ADM)
def news_create(request):
    form = NewsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            news = news_services.news_create(**form.cleaned_data, by=request.user)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("The news is on its way."))
            return redirect("notifications:news_detail", pk=news.pk)
    return render(request, "notifications/news_form.html", {"form": form}, status=400 if form.errors else 200)


def _news_ctx(news: News) -> dict:
    return {"news": news, "counts": selectors.news_delivery_counts(news=news)}


@role_required(ADM)
def news_detail(request, pk: int):
    try:
        news = selectors.news_get(pk=pk)
    except News.DoesNotExist:
        raise Http404(gettext("No such news."))
    return render(request, "notifications/news_detail.html", _news_ctx(news))


@role_required(ADM)
@require_POST
def news_cancel(request, pk: int):
    news = get_object_or_404(News, pk=pk)
    try:
        news_services.news_cancel(news_id=news.pk, by=request.user)
        messages.success(request, gettext("The news is cancelled."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("notifications:news_detail", pk=pk)


@role_required(ADM)
def news_progress(request, pk: int):
    news = get_object_or_404(News, pk=pk)
    return render(request, "notifications/_news_progress.html", _news_ctx(news))


# --- public unsubscribe ----------------------------------------------------------------------------------


@login_not_required
@csrf_exempt
def unsubscribe(request, token: str):
    """GET asks for confirmation (mail scanners follow links); POST withdraws the consent. No CSRF check:
    the signed token is the authority and the only effect is an opt-out, which lets mail clients use
    RFC 8058 one-click unsubscribe (a POST with no page)."""
    try:
        client_id, channel, purpose = messaging.unsubscribe_token_read(token)
    except ApplicationError as exc:
        return render(request, "notifications/unsubscribe.html", {"error": exc.message}, status=400)
    ctx = {"channel": channel, "purpose": purpose, "token": token}
    if request.method == "POST":
        try:
            messaging.unsubscribe(token=token)
        except ApplicationError as exc:
            return render(request, "notifications/unsubscribe.html", {"error": exc.message}, status=400)
        ctx["done"] = True
    return render(request, "notifications/unsubscribe.html", ctx)


@login_not_required
def consent_confirm(request, token: str):
    """The client's own opt-in: GET asks (mail scanners follow links), POST (with CSRF) records it with the
    evidence "confirmed link", which reverses an earlier opt-out."""
    try:
        client_id, channel, purpose = messaging.consent_confirm_token_read(token)
    except ApplicationError as exc:
        return render(request, "notifications/consent_confirm.html", {"error": exc.message}, status=400)
    ctx = {"channel": channel, "purpose": purpose, "token": token}
    if request.method == "POST":
        try:
            messaging.consent_confirm(token=token)
        except ApplicationError as exc:
            return render(request, "notifications/consent_confirm.html", {"error": exc.message}, status=400)
        ctx["done"] = True
    return render(request, "notifications/consent_confirm.html", ctx)
