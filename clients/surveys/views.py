"""The public survey page (no login: the token in the link is the key)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error

from . import registry, selectors, services
from .forms import SurveyAnswerForm
from .models import Survey


@login_not_required
@never_cache
def answer(request, token: str):
    survey = selectors.survey_get(token=token)
    if survey is None:
        return render(request, "surveys/answer.html", {"invalid": True}, status=404)
    kind = registry.kind_get(survey.kind)
    context = {"survey": survey, "question": kind.question if kind else ""}
    if survey.status == Survey.Status.ANSWERED:
        return render(request, "surveys/answer.html", {**context, "done": True}, status=200)
    form = SurveyAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_answer(
                token=token,
                satisfaction=data["satisfaction"],
                recommendation=data["recommendation"],
                comment=data["comment"],
            )
        except ApplicationError as exc:
            if exc.code == "already_answered":
                return render(request, "surveys/answer.html", {**context, "done": True}, status=409)
            apply_application_error(form, exc)
        else:
            return render(request, "surveys/answer.html", {**context, "done": True, "thanks": True})
    status = 400 if form.errors else 200
    return render(request, "surveys/answer.html", {**context, "form": form}, status=status)
