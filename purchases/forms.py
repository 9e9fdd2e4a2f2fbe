"""HTML input validation only; the rules are in services."""

from django import forms

from .models import Category, DiscountPolicy


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100)
    code = forms.SlugField(max_length=50, required=False, help_text="Left empty: made from the name.")
    is_active = forms.BooleanField(required=False, initial=True)


class ProductForm(forms.Form):
    sku = forms.CharField(max_length=50, label="SKU")
    name = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(queryset=Category.objects.all())
    unit_price = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    unit_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    incentive_weight = forms.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, initial=1, help_text="A change takes effect today."
    )
    is_locomotive = forms.BooleanField(required=False, label="Locomotive product")
    is_key = forms.BooleanField(required=False, label="Key product (consultation follows a sale)")
    consultation_after_days = forms.IntegerField(min_value=0, initial=14)
    discount_eligible = forms.BooleanField(required=False, initial=True)
    is_active = forms.BooleanField(required=False, initial=True)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV: sku,name,category,unit_price,unit_cost[,incentive_weight,is_key,...]")


class TierForm(forms.Form):
    threshold = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    name = forms.CharField(max_length=50, required=False)


class PolicyForm(forms.Form):
    basis = forms.ChoiceField(choices=DiscountPolicy.Basis.choices)
    window_months = forms.IntegerField(min_value=1, initial=12)


class ReturnForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.TextInput)


class OverrideForm(forms.Form):
    percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    paid_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class VoidForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class PurchaseFilterForm(forms.Form):
    client = forms.IntegerField(required=False)
    kind = forms.ChoiceField(
        required=False, choices=[("", "All"), ("sale", "Sales"), ("return", "Returns"), ("correction", "Corrections")]
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
