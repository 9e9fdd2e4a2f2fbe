from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from crm import exports
from crm.db import reads_from_replica
from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.htmx import render_partial
from crm.roles import Role, has_role, is_admin, is_sales_manager
from crm.views import role_required
from purchases import selectors as purchase_selectors

from . import forms, periods, selectors, services
from .models import Award

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR


def _period_from(request) -> periods.Period:
    value = request.GET.get("period") or str(periods.current(periods.MONTH))
    try:
        return periods.parse(value)
    except ApplicationError:
        raise Http404(gettext("Unknown period"))


def _chart_data(board: selectors.Leaderboard, daily: dict) -> dict:
    top = board.rows[:5]
    today = timezone.localdate().isoformat()
    days = [day.isoformat() for day in board.period.days()]
    series = []
    for row in top:
        running, points = 0, []
        per_day = daily.get(row.user.pk, {})
        for day in days:
            running += per_day.get(day, 0)
            # Chart coordinates only (figures shown as text stay Decimal); no line into the future.
            points.append(float(running) if day <= today else None)
        series.append({"label": row.user.get_full_name() or row.user.username, "data": points})
    return {
        "days": [day[8:] for day in days],
        "series": series,
        "mix": {
            "labels": [row.user.get_full_name() or row.user.username for row in board.rows],
            "locomotive": [float(row.locomotive_score) for row in board.rows],
            "other": [float(row.other_score) for row in board.rows],
        },
    }


@role_required(SM, ADM)
def leaderboard(request):
    period = _period_from(request)
    board = selectors.leaderboard(period)
    daily = selectors.daily_scores(period, as_of=board.closed.closed_at if board.closed else None)
    context = {
        "board": board,
        "period": period,
        "months": periods.recent(periods.MONTH, 12),
        "quarters": periods.recent(periods.QUARTER, 4),
        "chart": _chart_data(board, daily),
        "mine": board.standing_of(request.user) if is_sales_manager(request.user) else None,
        "multiplier": selectors.locomotive_multiplier(),
        "days_left": period.days_left(),
        "is_admin": is_admin(request.user),
        "can_close": is_admin(request.user) and board.closed is None and period.has_started(),
    }
    return render_partial(request, "incentives/leaderboard.html", "incentives/_leaderboard.html", context)


@role_required(SM, ACC, ADM)
def service_leaderboard(request):
    """The people who serve colleagues (accountants, logistics, IT...), scored on their internal requests."""
    period = _period_from(request)
    context = {
        "period": period,
        "months": periods.recent(periods.MONTH, 12),
        "quarters": periods.recent(periods.QUARTER, 4),
        "rows": selectors.service_leaderboard(period),
        "is_admin": is_admin(request.user),
        "me": request.user.pk,
    }
    return render(request, "incentives/service_leaderboard.html", context)


@require_POST
@role_required(ADM)
def period_close(request):
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a period to close."))
        return redirect("incentives:leaderboard")
    try:
        services.period_close(period=form.cleaned_data["period"], by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('incentives:leaderboard')}?period={form.cleaned_data['period']}")
    messages.success(
        request,
        gettext("%(cleaned_data)s is closed; award proposals are ready.")
        % {"cleaned_data": form.cleaned_data["period"]},
    )
    return redirect("incentives:awards")


@role_required(SM, ACC, ADM)
def awards(request):
    context = {
        "approved": selectors.award_list(status=Award.Status.APPROVED)[:100],
        "proposed": (
            selectors.award_list(status=Award.Status.PROPOSED).order_by("-period", "rule_id", "-weighted_score")
            if is_admin(request.user)
            else []
        ),
        "is_admin": is_admin(request.user),
        "can_export": has_role(request.user, ACC, ADM),
    }
    return render(request, "incentives/awards.html", context)


@require_POST
@role_required(ADM)
def award_decide(request, pk: int, decision: str):
    if decision not in ("approve", "reject"):
        raise Http404
    award = get_object_or_404(Award, pk=pk)
    try:
        award = services.award_decide(award=award, approve=decision == "approve", by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("%(award)s %(get_status_display)s.")
            % {"award": award, "get_status_display": award.get_status_display().lower()},
        )
    return redirect("incentives:awards")


@role_required(ACC, ADM)
@reads_from_replica
def payroll_csv(request):
    """Approved cash awards for payroll; names and emails come from user accounts, escaped all the same."""
    rows = (
        [
            award.period,
            award.user.username,
            award.user.get_full_name(),
            award.user.email,
            award.award_type.name,
            award.cash_amount,
            award.decided_at.isoformat() if award.decided_at else "",
        ]
        for award in selectors.payroll_cash_awards()
    )
    header = ["period", "username", "name", "email", "award", "amount", "approved_at"]
    return exports.export_response(
        request, filename="incentive-bonuses", header=header, rows=rows, from_replica=True, sheet="Bonuses"
    )


SETUP_FORMS = {
    "settings": forms.SettingsForm,
    "plan": forms.PlanForm,
    "weight": forms.WeightForm,
    "award_type": forms.AwardTypeForm,
    "rule": forms.AwardRuleForm,
    "split": forms.CreditSplitForm,
}


def _setup_context(bound: dict | None = None) -> dict:
    current = selectors.incentive_settings_get()
    built = {
        "settings": forms.SettingsForm(initial={"credit_to": current.credit_to}, prefix="settings"),
        "plan": forms.PlanForm(initial={"period": str(periods.current())}, prefix="plan"),
        "weight": forms.WeightForm(prefix="weight"),
        "award_type": forms.AwardTypeForm(prefix="award_type"),
        "rule": forms.AwardRuleForm(prefix="rule"),
        "split": forms.CreditSplitForm(prefix="split"),
    }
    built.update(bound or {})
    return {
        "forms": built,
        "settings": current,
        "plans": selectors.sales_plan_list()[:60],
        "award_types": selectors.award_type_list(),
        "rules": selectors.award_rule_list(),
        "multiplier": selectors.locomotive_multiplier(),
    }


def _purchase(pk: int):
    try:
        return purchase_selectors.purchase_get(pk=pk)
    except ObjectDoesNotExist:
        raise ApplicationError(gettext("No purchase with this number."), field="purchase")


@role_required(ADM)
def setup(request, form_name: str | None = None):
    if request.method != "POST":
        return render(request, "incentives/setup.html", _setup_context())
    if form_name not in SETUP_FORMS:
        raise Http404
    form = SETUP_FORMS[form_name](request.POST, prefix=form_name)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if form_name == "settings":
                services.incentive_settings_update(credit_to=data["credit_to"], by=request.user)
            elif form_name == "plan":
                services.sales_plan_set(
                    period=data["period"],
                    user=data["user"],
                    target_points=data["target_points"],
                    target_revenue=data["target_revenue"],
                    by=request.user,
                )
            elif form_name == "weight":
                services.product_weight_set(
                    product=data["product"],
                    weight=data["weight"],
                    effective_from=data["effective_from"],
                    by=request.user,
                )
            elif form_name == "split":
                purchase = _purchase(data["purchase"])
                services.credit_split_set(purchase=purchase, shares=form.shares(), by=request.user)
            elif form_name == "award_type":
                services.award_type_create(name=data["name"], kind=data["kind"], description=data["description"])
            else:
                services.award_rule_create(by=request.user, **data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, gettext("Saved."))
            return redirect("incentives:setup")
    return render(request, "incentives/setup.html", _setup_context({form_name: form}), status=400)
