from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.roles import Role
from purchases.models import Product

from .models import AwardRule, AwardType, IncentiveSettings


def staff_queryset():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.SALES_MANAGER, Role.ADMINISTRATOR])
        .distinct()
        .order_by("username")
    )


class SettingsForm(forms.Form):
    credit_to = forms.ChoiceField(choices=IncentiveSettings.CreditTo.choices, label=gettext_lazy("Credit a sale to"))


class PlanForm(forms.Form):
    period = forms.CharField(max_length=7, help_text=gettext_lazy("YYYY-MM or YYYY-Qn, e.g. 2026-11 or 2026-Q4."))
    user = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=gettext_lazy("The whole company"), label=gettext_lazy("Staff member")
    )
    target_points = forms.DecimalField(max_digits=16, decimal_places=2, label=gettext_lazy("Target (weighted points)"))
    target_revenue = forms.DecimalField(max_digits=14, decimal_places=2, label=gettext_lazy("Target (revenue)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_queryset()


class WeightForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.filter(is_active=True).order_by("name"))
    weight = forms.DecimalField(max_digits=6, decimal_places=3)
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate)


class AwardTypeForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=AwardType.Kind.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AwardRuleForm(forms.Form):
    name = forms.CharField(max_length=120, initial="Best employee of the month")
    period_kind = forms.ChoiceField(choices=AwardRule._meta.get_field("period_kind").choices)
    award_type = forms.ModelChoiceField(queryset=AwardType.objects.filter(is_active=True))
    winners = forms.IntegerField(initial=1)
    min_fulfilment_percent = forms.DecimalField(initial=100, label=gettext_lazy("Minimum plan fulfilment %"))
    bonus_base = forms.DecimalField(initial=0, label=gettext_lazy("Bonus: base amount"))
    bonus_percent = forms.DecimalField(
        initial=0,
        # xgettext:no-python-format
        label=gettext_lazy("Bonus: % of weighted score over target"),
    )
    bonus_cap = forms.DecimalField(required=False, label=gettext_lazy("Bonus cap (optional)"))
    scope = forms.TypedChoiceField(
        choices=AwardRule.Scope.choices,
        initial=AwardRule.Scope.SALES,
        required=False,
        empty_value=AwardRule.Scope.SALES,
        label=_("Scored on"),
    )
    role = forms.ChoiceField(
        choices=[("", _("Any role")), *Role.choices],
        required=False,
        label=_("Only for"),
        help_text=_("A service rule's minimum % is the share of requests done on time."),
    )


class CreditSplitForm(forms.Form):
    purchase = forms.IntegerField(min_value=1, label=gettext_lazy("Purchase number (a sale)"))
    first_user = forms.ModelChoiceField(queryset=None, label=gettext_lazy("First staff member"))
    first_share = forms.DecimalField(max_digits=5, decimal_places=2, label=gettext_lazy("First share %"), initial=50)
    second_user = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Second staff member"))
    second_share = forms.DecimalField(
        max_digits=5, decimal_places=2, required=False, label=gettext_lazy("Second share %")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_user"].queryset = staff_queryset()
        self.fields["second_user"].queryset = staff_queryset()

    def shares(self) -> list[tuple]:
        data = self.cleaned_data
        shares = [(data["first_user"], data["first_share"])]
        if data.get("second_user"):
            shares.append((data["second_user"], data.get("second_share") or Decimal("0")))
        return shares


class CloseForm(forms.Form):
    period = forms.CharField(max_length=7)
