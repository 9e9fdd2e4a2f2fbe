from django import forms
from django.utils.translation import gettext_lazy

from .models import MessageTemplate, Notification


class NotificationFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", gettext_lazy("Any status"))] + Notification.Status.choices, required=False)
    channel = forms.ChoiceField(
        choices=[("", gettext_lazy("Any channel"))] + Notification.Channel.choices, required=False
    )
    event = forms.CharField(required=False, max_length=50)


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "subject", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body": "Django template syntax, e.g. {{ client_name }}; the event's context is available.",
        }
