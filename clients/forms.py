"""HTML input validation only; rules live in services."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from crm.notifications.models import Notification

from . import hooks, services
from .models import Channel, ChannelConsent, Client, FollowUpTask, Interaction, Segment
from .news import NEWS_CHANNELS
from .normalize import normalize_email, normalize_phone
from .selectors import sales_managers


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class ContactDetailsMixin:
    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""))
        except ValidationError as exc:
            raise ValidationError(exc.messages[0])

    def clean_email(self):
        try:
            return normalize_email(self.cleaned_data.get("email", ""))
        except ValidationError:
            raise ValidationError(gettext("Enter a valid email address."))


class FirstContactForm(ContactDetailsMixin, forms.Form):
    """Everything taken on the first call, on one screen."""

    kind = forms.ChoiceField(choices=Client.Kind.choices, initial=Client.Kind.COMPANY)
    name = forms.CharField(max_length=200, label=gettext_lazy("Name (person or company)"))
    # Optional, so a first contact posted without it (older pages, scripts) keeps working: the site's language.
    language = forms.ChoiceField(
        choices=settings.LANGUAGES, required=False, initial=settings.LANGUAGE_CODE, label=gettext_lazy("Language")
    )
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    first_contact_channel = forms.ChoiceField(
        choices=Client.FirstContactChannel.choices,
        initial=Client.FirstContactChannel.PHONE,
        label=gettext_lazy("Came through"),
    )
    first_contact_request = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=gettext_lazy("What they asked for")
    )
    interests = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Product categories of interest")
    )
    segment = forms.ModelChoiceField(queryset=Segment.objects.filter(is_active=True), required=False)
    manager = StaffChoiceField(queryset=sales_managers(), required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    contact_name = forms.CharField(max_length=200, required=False, label=gettext_lazy("Contact person (companies)"))
    contact_role = forms.CharField(max_length=100, required=False, label=gettext_lazy("Their role"))
    contact_phone = forms.CharField(max_length=40, required=False, label=gettext_lazy("Their phone"))
    contact_email = forms.CharField(max_length=254, required=False, label=gettext_lazy("Their email"))
    opt_in = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Agreed to be contacted by"),
    )
    create_anyway = forms.BooleanField(
        required=False, label=gettext_lazy("This is a new client, not one of those shown")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = hooks.interest_choices()
        if not self.fields["interests"].choices:
            del self.fields["interests"]

    def clean_contact_phone(self):
        try:
            return normalize_phone(self.cleaned_data.get("contact_phone", ""))
        except ValidationError as exc:
            raise ValidationError(exc.messages[0])

    def clean_contact_email(self):
        try:
            return normalize_email(self.cleaned_data.get("contact_email", ""))
        except ValidationError:
            raise ValidationError(gettext("Enter a valid email address."))

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        contacts = []
        if d["kind"] == Client.Kind.COMPANY and d.get("contact_name"):
            contacts.append(
                {
                    "name": d["contact_name"],
                    "role": d["contact_role"],
                    "phone": d["contact_phone"],
                    "email": d["contact_email"],
                    "is_primary": True,
                }
            )
        return {
            "kind": d["kind"],
            "name": d["name"],
            "phone": d["phone"],
            "email": d["email"],
            "first_contact_channel": d["first_contact_channel"],
            "first_contact_request": d["first_contact_request"],
            "interests": d.get("interests") or [],
            "segment": d["segment"],
            # a blank manager means nobody was picked: client_create applies the first-contact default
            "manager": d["manager"] or services.MANAGER_NOT_CHOSEN,
            "address": d["address"],
            "contacts": contacts,
            "preferred_channels": d["opt_in"],
            "language": d.get("language") or "",
            "consents": dict.fromkeys(d["opt_in"], ChannelConsent.Status.OPT_IN),
        }


class ClientEditForm(ContactDetailsMixin, forms.ModelForm):
    tags = forms.CharField(required=False, help_text=gettext_lazy("Comma-separated."))
    preferred_channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Client
        fields = ["kind", "name", "phone", "email", "address", "segment", "status", "language", "external_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(is_active=True)
        if self.instance.pk:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())
            self.initial["preferred_channels"] = self.instance.preferred_channels
        # Left out of a form, the language stays as it is (defaults to the site's for a new client).
        self.fields["language"].required = False

    def validate_unique(self):
        """The service checks the external id; the form leaves the database untouched."""

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["tags"] = [t.strip() for t in d.pop("tags", "").split(",") if t.strip()]
        if not d.get("language"):
            d.pop("language", None)
        return d


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(choices=Interaction.Kind.choices, initial=Interaction.Kind.CALL)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(max_length=300, required=False)
    next_step_due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PromiseForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("What was promised"))
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("By when"))


class PromiseResolveForm(forms.Form):
    resolution = forms.CharField(max_length=500, required=False, label=gettext_lazy("How it was kept / why broken"))


class TaskForm(forms.Form):
    kind = forms.ChoiceField(choices=FollowUpTask.Kind.choices, initial=FollowUpTask.Kind.CALL_BACK)
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ContactForm(ContactDetailsMixin, forms.Form):
    name = forms.CharField(max_length=200)
    role = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    is_primary = forms.BooleanField(required=False)


class ConsentForm(forms.Form):
    """What the client said, with the evidence: the explicit record (an opt-in here reverses an opt-out)."""

    channel = forms.ChoiceField(choices=Channel.choices)
    purpose = forms.ChoiceField(
        choices=ChannelConsent.Purpose.choices, initial=ChannelConsent.Purpose.MARKETING, required=False
    )
    status = forms.ChoiceField(choices=ChannelConsent.Status.choices)
    source = forms.CharField(
        max_length=200,
        label=gettext_lazy("Evidence: how the client said so"),
        help_text=gettext_lazy("e.g. signed form of 3 May, phone call note, the client's email of 12 June"),
    )

    def clean_purpose(self):
        return self.cleaned_data.get("purpose") or ChannelConsent.Purpose.MARKETING


class ReassignForm(forms.Form):
    manager = StaffChoiceField(queryset=sales_managers(), required=False, empty_label=gettext_lazy("Nobody"))
    reason = forms.CharField(max_length=200, required=False)


class MergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Client.objects.filter(merged_into__isnull=True), widget=forms.NumberInput
    )
    loser = forms.ModelChoiceField(queryset=Client.objects.filter(merged_into__isnull=True), widget=forms.NumberInput)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text=gettext_lazy(
            "CSV or XLSX with a header row: name, kind, email, phone, address, segment, "
            "status, manager, external_id, tags, first_contact_channel."
        )
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(gettext("Upload a .csv or .xlsx file."))
        if f.size > 10 * 1024 * 1024:
            raise ValidationError(gettext("The file is larger than 10 MB."))
        return f


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
        help_text=gettext_lazy(
            "Each client gets it once, on the first of their preferred channels that they consented to."
        ),
    )
    scheduled_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Leave empty to send now."),
    )


class ErasureForm(forms.Form):
    """Typing the client's id is the confirmation: an erasure cannot be undone."""

    confirm = forms.IntegerField(label=gettext_lazy("Type the client's id to confirm"), widget=forms.NumberInput)

    def __init__(self, *args, client_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_id = client_id

    def clean_confirm(self):
        if self.cleaned_data["confirm"] != self.client_id:
            raise forms.ValidationError(
                gettext("Type %(client_id)s to erase this client's personal data.") % {"client_id": self.client_id}
            )
        return self.cleaned_data["confirm"]
