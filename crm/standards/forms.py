"""HTML input of the service record and the key-client rule pages."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KeyClientRule


class FailureResolveForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.TextInput)


class KeyClientRuleForm(forms.Form):
    basis = forms.ChoiceField(label=_("Key clients are"), choices=KeyClientRule.Basis.choices)
    min_tier_percent = forms.DecimalField(
        label=_("Tier discount at least (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0")
    )
    top_n = forms.IntegerField(label=_("Top N by value"), min_value=0, max_value=1_000_000)
    top_percent = forms.DecimalField(label=_("Top % by value"), max_digits=5, decimal_places=2, min_value=Decimal("0"))


class KeyClientFlagForm(forms.Form):
    client = forms.IntegerField(label=_("Client number"), min_value=1)
    flagged = forms.BooleanField(label=_("Key client"), required=False)


class FailureFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("resolved", _("Resolved")), ("", _("All"))],
    )
    manager = forms.IntegerField(label=_("Manager"), required=False, min_value=1)
