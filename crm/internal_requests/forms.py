"""HTML input of the internal request pages; the rules are in services.py."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.roles import Role

from .models import RequestKind


def staff_users():
    return get_user_model().objects.filter(is_active=True, groups__name__in=Role.values).distinct().order_by("username")


class RequestForm(forms.Form):
    kind = forms.ModelChoiceField(queryset=RequestKind.objects.none(), label=_("What kind"))
    subject = forms.CharField(max_length=200, label=_("What you need"))
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Details"))

    def __init__(self, *args, exclude_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Kinds fed by another app (invoices) are requested on that app's page.
        self.fields["kind"].queryset = (
            RequestKind.objects.filter(is_active=True, team__is_active=True)
            .exclude(code__in=exclude_codes)
            .select_related("team")
            .order_by("team__name", "name")
        )
        self.fields["kind"].label_from_instance = lambda k: f"{k.team.name}: {k.name} ({k.turnaround_hours} h)"


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"))
    code = forms.SlugField(max_length=40, label=_("Code"), required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Description"))
    members = forms.ModelMultipleChoiceField(queryset=staff_users(), required=False, label=_("Members"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = staff_users()


class KindForm(forms.Form):
    code = forms.SlugField(max_length=40, label=_("Code"), required=False)
    name = forms.CharField(max_length=120, label=_("Name"))
    turnaround_hours = forms.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.25"), label=_("Turnaround (working hours)")
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=staff_users(), label=_("Give to"))

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = staff_users()
        self.fields["assignee"].queryset = qs.filter(crm_teams=team) if team is not None else qs


class CompleteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("What was done"))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(5, 0, -1)], coerce=int, label=_("Rating (5 is best)")
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Comment"))
