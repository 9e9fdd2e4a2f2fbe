from django import forms
from django.utils.translation import gettext_lazy

from .models import ReportPeriod


class GenerateForm(forms.Form):
    period = forms.ChoiceField(choices=ReportPeriod.choices)


class SnapshotQueryForm(forms.Form):
    """Which snapshot to read: an id, or the newest generated on or before a date; and which rows."""

    snapshot = forms.IntegerField(required=False, min_value=1)
    generated = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": "Enter a date as YYYY-MM-DD."}
    )
    attention = forms.TypedChoiceField(
        required=False,
        choices=[
            ("", ""),
            ("1", gettext_lazy("yes")),
            ("0", gettext_lazy("no")),
            ("true", gettext_lazy("yes")),
            ("false", gettext_lazy("no")),
        ],
        coerce=lambda v: v in ("1", "true"),
        empty_value=False,
    )
    page = forms.IntegerField(required=False, min_value=1)
    manager = forms.IntegerField(required=False, min_value=1)


class SatisfactionQueryForm(forms.Form):
    months = forms.TypedChoiceField(
        required=False, choices=[(m, str(m)) for m in (3, 6, 12, 24)], coerce=int, empty_value=12
    )
