"""Pages open to the public (no login): the complaint web form and the satisfaction survey."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from crm.api.throttling import count_in_window
from crm.client_ip import client_ip
from crm.exceptions import ApplicationError
from crm.forms import apply_application_error

from . import forms, selectors, services
from .models import Complaint

SESSION_KEY = "complaints_public_reference"


def rate_limited(request) -> bool:
    """Count this submission against the client address's allowance (COMPLAINTS_PUBLIC_RATE, default 5 per
    hour). The address is crm.client_ip's: the real client behind our proxies, never a hop it wrote itself."""
    limit, window = settings.COMPLAINTS_PUBLIC_RATE
    key = f"complaints:public-form:{client_ip(request)}"
    # the API's window counter: one round trip on Redis (the backend itself, not the `cache` proxy)
    return count_in_window(caches[DEFAULT_CACHE_ALIAS], key, window) > limit


@login_not_required
@never_cache
def public_form(request):
    form = forms.PublicComplaintForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request):
            return render(
                request,
                "complaints/public_form.html",
                {"form": form, "limited": True},
                status=429,
            )
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                # A bot filled the honeypot: look successful, store nothing.
                request.session[SESSION_KEY] = ""
                return redirect("complaints:public_thanks")
            text = data["text"]
            if data["order_reference"]:
                text += f"\n\nOrder/invoice: {data['order_reference']}"
            try:
                complaint = services.complaint_create(
                    text=text,
                    channel=Complaint.Channel.WEB_FORM,
                    kind=data["kind"],
                    contact_name=data["name"],
                    contact_email=data["email"],
                    contact_phone=data["phone"],
                    claimed_amount=data["claimed_amount"],
                )
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                request.session[SESSION_KEY] = complaint.reference
                return redirect("complaints:public_thanks")
    status = 400 if form.errors else 200
    return render(request, "complaints/public_form.html", {"form": form}, status=status)


@login_not_required
@never_cache
def public_thanks(request):
    reference = request.session.get(SESSION_KEY)
    if reference is None:
        return redirect("complaints:public_form")
    return render(request, "complaints/public_thanks.html", {"reference": reference})


@login_not_required
@never_cache
def survey(request, token: str):
    survey = selectors.survey_get(token=token)
    if survey is None:
        return render(request, "complaints/survey.html", {"invalid": True}, status=404)
    if survey.answered_at is not None and request.method != "POST":
        return render(request, "complaints/survey.html", {"survey": survey, "done": True})
    form = forms.SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_answer(
                token=token, score=data["score"], comment=data["comment"], recommendation=data["recommendation"]
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            return render(request, "complaints/survey.html", {"survey": survey, "done": True, "thanks": True})
    status = 400 if form.errors else 200
    return render(request, "complaints/survey.html", {"survey": survey, "form": form}, status=status)
