from django import forms

from clients.models import Segment

from .models import MessageTemplate, Notification
from .news import NEWS_CHANNELS


class NotificationFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status")] + Notification.Status.choices, required=False)
    channel = forms.ChoiceField(choices=[("", "Any channel")] + Notification.Channel.choices, required=False)
    event = forms.CharField(required=False, max_length=50)


class NewsForm(forms.Form):
    title = forms.CharField(max_length=200)
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.filter(is_active=True).order_by("name"), widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        choices=[(c, dict(Notification.Channel.choices)[c]) for c in NEWS_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Each client gets it once, on the first of their preferred channels that they consented to.",
    )
    scheduled_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to send now.",
    )


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "subject", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body": "Django template syntax, e.g. {{ client_name }}; the event's context is available.",
        }
