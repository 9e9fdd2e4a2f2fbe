"""HTML input validation only; rules are in services."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.standards import targets as versioned_targets
from crm.standards.models import StandardDocument
from purchases.models import Product, Purchase

from . import rules
from .models import Complaint, ComplaintCategory, GoodwillGesture

User = get_user_model()


def handler_choices():
    return User.objects.filter(is_active=True, groups__name__in=rules.HANDLER_ROLES).distinct().order_by("username")


class StaffIntakeForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[
            (Complaint.Channel.PHONE, "Phone"),
            (Complaint.Channel.WALK_IN, "Walk-in"),
            (Complaint.Channel.EMAIL, "Email received"),
        ]
    )
    kind = forms.ChoiceField(choices=Complaint.Kind.choices, initial=Complaint.Kind.COMPLAINT)
    client_id = forms.IntegerField(
        required=False, label=gettext_lazy("Client id"), help_text=gettext_lazy("Empty: found by email/phone.")
    )
    contact_name = forms.CharField(max_length=200, required=False, label=gettext_lazy("Name"))
    contact_email = forms.EmailField(required=False, label=gettext_lazy("Email"))
    contact_phone = forms.CharField(max_length=30, required=False, label=gettext_lazy("Phone"))
    subject = forms.CharField(max_length=200, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=gettext_lazy("What happened"))
    severity = forms.ChoiceField(choices=Complaint.Severity.choices, initial=Complaint.Severity.MEDIUM)
    category = forms.ModelChoiceField(queryset=ComplaintCategory.objects.filter(is_active=True), required=False)
    claimed_amount = forms.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    purchase_id = forms.IntegerField(required=False, label=gettext_lazy("Purchase id"))
    product_sku = forms.CharField(max_length=50, required=False, label=gettext_lazy("Product SKU"))
    hand_to = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Hand it to"),
        help_text=_("Empty: the client's manager or the category's owner takes it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hand_to"].queryset = handler_choices()

    def clean(self):
        """Turn the ids and the SKU typed in into the client, purchase and product the service takes."""
        data = super().clean()
        data["client"] = data["purchase"] = data["product"] = None
        if data.get("client_id"):
            data["client"] = Client.objects.filter(pk=data["client_id"]).first()
            if data["client"] is None:
                self.add_error("client_id", gettext("No client has this id."))
        if data.get("purchase_id"):
            data["purchase"] = Purchase.objects.filter(pk=data["purchase_id"]).first()
            if data["purchase"] is None:
                self.add_error("purchase_id", gettext("No purchase has this id."))
        if data.get("product_sku"):
            data["product"] = Product.objects.filter(sku__iexact=data["product_sku"].strip()).first()
            if data["product"] is None:
                self.add_error("product_sku", gettext("No product has this SKU."))
        return data


class PublicComplaintForm(forms.Form):
    """The public web form. `website` is a honeypot: people do not see it, bots fill it."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=30, required=False)
    kind = forms.ChoiceField(
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        label=gettext_lazy("What would you like to tell us?"),
    )
    order_reference = forms.CharField(
        max_length=100, required=False, label=gettext_lazy("Order or invoice number (optional)")
    )
    claimed_amount = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, min_value=0, label=gettext_lazy("Amount claimed (claims only)")
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label=gettext_lazy("Your message"))
    website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(gettext("Give an email address or a phone number so we can reply."))
        return data


class TriageForm(forms.Form):
    category = forms.ModelChoiceField(queryset=ComplaintCategory.objects.filter(is_active=True), required=False)
    severity = forms.ChoiceField(choices=Complaint.Severity.choices)
    kind = forms.ChoiceField(choices=Complaint.Kind.choices)
    assigned_to = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=gettext_lazy("Assign to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = handler_choices()


class MatchDecisionForm(forms.Form):
    """Confirm the suggested client (or another, by id) or reject the match of an anonymous complaint."""

    decision = forms.ChoiceField(choices=[("confirm", gettext_lazy("Confirm")), ("reject", gettext_lazy("Reject"))])
    client_id = forms.IntegerField(
        required=False, label=gettext_lazy("Another client id"), help_text=gettext_lazy("Confirm only.")
    )
    note = forms.CharField(max_length=500, required=False)

    def clean(self):
        data = super().clean()
        data["client"] = None
        if data.get("client_id"):
            data["client"] = Client.objects.filter(pk=data["client_id"]).first()
            if data["client"] is None:
                self.add_error("client_id", gettext("No client has this id."))
        return data


class AssignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Assign to"))
    note = forms.CharField(max_length=200, required=False, label=gettext_lazy("Why"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = handler_choices()


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Complaint.Status.choices)
    note = forms.CharField(max_length=500, required=False)
    resolution_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    root_cause = forms.ChoiceField(choices=[("", "—")] + Complaint.RootCause.choices, required=False)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Comment"))
    is_response = forms.BooleanField(required=False, label=gettext_lazy("This is a reply given to the client"))


class GoodwillForm(forms.Form):
    kind = forms.ChoiceField(choices=GoodwillGesture.GestureKind.choices, label=gettext_lazy("Gesture"))
    cost = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = forms.CharField(max_length=300, required=False)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        label=gettext_lazy("How satisfied are you with how we handled it? (5 = very satisfied)"),
    )
    recommendation = forms.TypedChoiceField(
        choices=[("", "—")] + [(i, str(i)) for i in range(0, 11)],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("How likely are you to recommend us? (0-10, optional)"),
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ListFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", gettext_lazy("Any kind"))] + Complaint.Kind.choices, required=False)
    status = forms.ChoiceField(choices=[("", gettext_lazy("Any state"))] + Complaint.Status.choices, required=False)
    category = forms.ModelChoiceField(
        queryset=ComplaintCategory.objects.all(), required=False, empty_label=gettext_lazy("Any category")
    )
    severity = forms.ChoiceField(
        choices=[("", gettext_lazy("Any severity"))] + Complaint.Severity.choices, required=False
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label=gettext_lazy("Any manager")
    )
    breached = forms.ChoiceField(
        choices=[
            ("", gettext_lazy("Breached or not")),
            ("yes", gettext_lazy("Breached")),
            ("no", gettext_lazy("Not breached")),
        ],
        required=False,
    )
    q = forms.CharField(required=False, label=gettext_lazy("Search"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = handler_choices()


# --- standards (administrators) -----------------------------------------------------------------------


class TargetForm(forms.Form):
    kind = forms.ChoiceField(choices=Complaint.Kind.choices)
    severity = forms.ChoiceField(choices=Complaint.Severity.choices)
    category = forms.ModelChoiceField(
        queryset=ComplaintCategory.objects.all(), required=False, empty_label=gettext_lazy("All categories")
    )
    first_response_hours = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    resolution_hours = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0)


WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class CalendarForm(forms.Form):
    working_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Working days")
    )
    day_start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    day_end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=100)


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100)
    code = forms.SlugField(max_length=50)
    parent = forms.ModelChoiceField(queryset=ComplaintCategory.objects.all(), required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    prefer_owner = forms.BooleanField(
        required=False, label=gettext_lazy("Assign to the owner even when the client has a manager")
    )
    script = forms.ModelChoiceField(
        queryset=StandardDocument.objects.filter(kind=StandardDocument.DocKind.SCRIPT), required=False
    )
    standards = forms.ModelMultipleChoiceField(queryset=StandardDocument.objects.all(), required=False)
    handling_cost = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = handler_choices()


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=StandardDocument.DocKind.choices)
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))


class PublishForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}))
    change_note = forms.CharField(max_length=200, required=False)


class ServiceTargetsForm(forms.Form):
    invoice_issue_hours = forms.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, label=gettext_lazy("Invoice issuing (working hours)")
    )
    key_client_max_days_without_contact = forms.IntegerField(
        min_value=1, label=gettext_lazy("Key clients: max days without contact")
    )
    complaint_handling_cost = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, label=gettext_lazy("Handling cost per complaint")
    )
    escalation_warning_hours = forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=0,
        label=gettext_lazy("Warn this many working hours before a due time"),
    )
    supervisor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Every administrator"),
        label=gettext_lazy("Escalate to"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = handler_choices()


class TargetVersionForm(forms.Form):
    """A new version of a service target (crm/standards/targets.py), effective today or from a later day."""

    key = forms.ChoiceField(label=gettext_lazy("Target"))
    hours = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, label=gettext_lazy("Working hours"))
    effective_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=gettext_lazy("Effective from"),
        help_text=gettext_lazy("Empty or today: at once. Clocks already running keep their target."),
    )
    note = forms.CharField(required=False, max_length=200, label=gettext_lazy("Why"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(key, spec.label) for key, spec in versioned_targets.all_targets().items()]
