from django import forms
from django.utils.translation import gettext_lazy as _


class SurveyAnswerForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        label=_("How satisfied are you? (5 = very satisfied, 1 = not at all)"),
    )
    recommendation = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(10, -1, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        label=_("How likely are you to recommend us to a friend or colleague? (10 = certainly, 0 = never)"),
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Anything you would like to tell us? (optional)"),
    )
