"""Input parsing for the pages, and for the API where it shares a parser (posted purchase and return lines):
what was posted becomes the typed values the services take (a product reference becomes a Product, numbers
become Decimal). The rules are in services."""

import csv
import io
from collections.abc import Iterable, Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext, gettext_lazy

from clients import selectors as client_selectors

from . import selectors, services
from .models import Category, DiscountPolicy, PaymentMethod, Perk, Purchase


def first_error(form: forms.Form) -> str:
    """The first message of an invalid form, for the pages that show a single error line."""
    for name, errors in form.errors.items():
        return errors[0] if name == NON_FIELD_ERRORS else f"{form[name].label}: {errors[0]}"
    return ""


def _line_error(number: int, form: forms.Form) -> forms.ValidationError:
    name, errors = next(iter(form.errors.items()))
    return forms.ValidationError(
        gettext("Line %(number)s: %(replace)s: %(errors)s")
        % {"number": number, "replace": name.replace("_", " "), "errors": errors[0]}
    )


class PurchaseLineForm(forms.Form):
    """One posted purchase line: a product reference (SKU or id), a quantity and, optionally, a unit price."""

    product = forms.CharField(required=False)
    quantity = forms.DecimalField(max_digits=12, decimal_places=3)
    unit_price = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    reason = forms.CharField(required=False, max_length=500)


def purchase_lines(rows: Iterable[Mapping]) -> list[services.LineInput]:
    """Posted purchase lines ({"product", "quantity", "unit_price"}) as the LineInputs purchase_record and
    purchase_preview take: the record page and the API both parse lines here. Raises ValidationError naming the
    first line that does not parse or names no known product."""
    parsed = []
    for number, row in enumerate(rows, start=1):
        form = PurchaseLineForm(data={name: row.get(name) for name in PurchaseLineForm.base_fields})
        if not form.is_valid():
            raise _line_error(number, form)
        parsed.append(form.cleaned_data)
    products = selectors.products_by_reference(line["product"] for line in parsed)
    lines = []
    for number, line in enumerate(parsed, start=1):
        product = products.get(line["product"])
        if product is None:
            raise forms.ValidationError(
                gettext("Line %(number)s: unknown product %(line)r.") % {"number": number, "line": line["product"]}
            )
        lines.append(
            services.LineInput(
                product=product, quantity=line["quantity"], unit_price=line["unit_price"], reason=line["reason"]
            )
        )
    return lines


def posted_lines(data) -> list[dict]:
    """The record page posts its lines as parallel lists (product, quantity, unit_price, price_reason); rows left
    empty are skipped. Kept as text, to show the page again as it was posted."""
    products, quantities, prices = data.getlist("product"), data.getlist("quantity"), data.getlist("unit_price")
    reasons = data.getlist("price_reason")
    lines = []
    for i, product in enumerate(products):
        quantity = quantities[i] if i < len(quantities) else ""
        price = prices[i] if i < len(prices) else ""
        reason = reasons[i] if i < len(reasons) else ""
        if not product.strip() and not quantity.strip():
            continue
        lines.append(
            {
                "product": product.strip(),
                "quantity": quantity.strip() or "0",
                "unit_price": price.strip(),
                "reason": reason.strip(),
            }
        )
    return lines


class RecordForm(forms.Form):
    """The record page (and its live preview): the posted lines and an administrator's discount override."""

    discount_override = forms.DecimalField(
        max_digits=5, decimal_places=2, required=False, label=gettext_lazy("Discount percent")
    )
    reason = forms.CharField(required=False)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.lines = posted_lines(data)

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["lines"] = purchase_lines(self.lines)
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class ReturnLineForm(forms.Form):
    """One posted return line: the id of a line of the sale and the quantity coming back."""

    line = forms.IntegerField()
    quantity = forms.DecimalField(max_digits=12, decimal_places=3)


def return_lines(rows: Iterable[Mapping], *, original: Purchase) -> list[services.ReturnLineInput]:
    """Posted return lines ({"line": id, "quantity"}) as the ReturnLineInputs purchase_return takes, each line
    found among the lines of `original`. Raises ValidationError naming the first line that does not parse or is
    not part of the sale."""
    lines_of_sale = {line.pk: line for line in original.lines.all()}
    result = []
    for number, row in enumerate(rows, start=1):
        form = ReturnLineForm(data={name: row.get(name) for name in ReturnLineForm.base_fields})
        if not form.is_valid():
            raise _line_error(number, form)
        line = lines_of_sale.get(form.cleaned_data["line"])
        if line is None:
            raise forms.ValidationError(
                gettext("Line %(number)s: that line is not part of this purchase.") % {"number": number}
            )
        result.append(services.ReturnLineInput(line=line, quantity=form.cleaned_data["quantity"]))
    return result


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100)
    code = forms.SlugField(max_length=50, required=False, help_text=gettext_lazy("Left empty: made from the name."))
    is_active = forms.BooleanField(required=False, initial=True)


class ProductForm(forms.Form):
    sku = forms.CharField(max_length=50, label=gettext_lazy("SKU"))
    name = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(queryset=Category.objects.all())
    unit_price = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    unit_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    incentive_weight = forms.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, initial=1, help_text=gettext_lazy("A change takes effect today.")
    )
    is_locomotive = forms.BooleanField(required=False, label=gettext_lazy("Locomotive product"))
    is_key = forms.BooleanField(required=False, label=gettext_lazy("Key product (consultation follows a sale)"))
    consultation_after_days = forms.IntegerField(min_value=0, initial=14)
    discount_eligible = forms.BooleanField(required=False, initial=True)
    is_active = forms.BooleanField(required=False, initial=True)


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=gettext_lazy("CSV: sku,name,category,unit_price,unit_cost[,incentive_weight,is_key,...]")
    )


class CsvFlagField(forms.Field):
    """A yes/no cell of an imported CSV: 1, true, yes, y or x is yes, other text no, an empty cell None."""

    def to_python(self, value):
        value = (value or "").strip().lower()
        return (value in {"1", "true", "yes", "y", "x"}) if value else None


class CatalogueRowForm(forms.Form):
    """One row of an imported catalogue; the optional cells may be left empty (an update keeps the value)."""

    sku = forms.CharField(max_length=50)
    name = forms.CharField(max_length=200)
    category = forms.CharField(max_length=100)
    unit_price = forms.DecimalField(max_digits=14, decimal_places=2)
    unit_cost = forms.DecimalField(max_digits=14, decimal_places=2)
    incentive_weight = forms.DecimalField(max_digits=6, decimal_places=3, required=False)
    consultation_after_days = forms.IntegerField(required=False)
    is_locomotive = CsvFlagField(required=False)
    is_key = CsvFlagField(required=False)
    discount_eligible = CsvFlagField(required=False)
    is_active = CsvFlagField(required=False)

    REQUIRED_COLUMNS = {"sku", "name", "category", "unit_price", "unit_cost"}


def catalogue_csv_rows(file) -> list[services.CatalogueRow]:
    """Read an uploaded catalogue CSV (UTF-8, header sku,name,category,unit_price,unit_cost and optionally
    incentive_weight,is_locomotive,is_key,consultation_after_days,discount_eligible,is_active) into the rows
    services.catalogue_import takes. Raises ValidationError with one message per bad row (or for the file)."""
    raw = file.read() if hasattr(file, "read") else file
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(gettext("The file must be UTF-8 CSV."))
    try:
        return _catalogue_rows(csv.DictReader(io.StringIO(raw)))
    except csv.Error as exc:  # e.g. a field past the csv module's size limit
        raise forms.ValidationError(gettext("This CSV file cannot be read: %(exc)s.") % {"exc": exc})


def _catalogue_rows(reader: csv.DictReader) -> list[services.CatalogueRow]:
    missing = CatalogueRowForm.REQUIRED_COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise forms.ValidationError(gettext("Missing columns: %(join)s.") % {"join": ", ".join(sorted(missing))})
    rows, errors = [], []
    for number, row in enumerate(reader, start=2):
        form = CatalogueRowForm(data={name: row.get(name) or "" for name in CatalogueRowForm.base_fields})
        if not form.is_valid():
            sku = (row.get("sku") or "").strip()
            name, messages = next(iter(form.errors.items()))
            errors.append(f"Row {number}{f' ({sku})' if sku else ''}: {name}: {messages[0]}")
            continue
        data = form.cleaned_data
        rows.append(
            services.CatalogueRow(
                number=number,
                sku=data.pop("sku"),
                category=data.pop("category"),
                fields={name: value for name, value in data.items() if value is not None},
            )
        )
    if errors:
        raise forms.ValidationError(errors)
    return rows


class TierForm(forms.Form):
    threshold = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    name = forms.CharField(max_length=50, required=False)


class PolicyForm(forms.Form):
    basis = forms.ChoiceField(choices=DiscountPolicy.Basis.choices)
    window_months = forms.IntegerField(min_value=1, initial=12)


class ReturnForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.TextInput)

    def __init__(self, data=None, *, original: Purchase | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.original = original

    def clean(self):
        """The quantities come as `return-<line id>` fields (empty or zero: that line stays); none and no
        `whole=1` is a mistake, `whole=1` alone returns everything left."""
        cleaned = super().clean()
        rows = [
            {"line": key.removeprefix("return-"), "quantity": value.strip()}
            for key, value in self.data.items()
            if key.startswith("return-") and value.strip() and value.strip() not in ("0", "0.000")
        ]
        if not rows and self.data.get("whole") != "1":
            raise forms.ValidationError(gettext("Enter the quantities to return, or return everything."))
        try:
            cleaned["lines"] = return_lines(rows, original=self.original) if rows else None
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class OverrideForm(forms.Form):
    percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    paid_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(choices=[("", "—"), *PaymentMethod.choices], required=False)
    reference = forms.CharField(max_length=100, required=False)


class RefundForm(forms.Form):
    prefix = "refund"

    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    refunded_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.TRANSFER)
    reference = forms.CharField(max_length=100, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class InvoiceRequestForm(forms.Form):
    purchases = forms.ModelMultipleChoiceField(queryset=Purchase.objects.all(), required=False)
    note = forms.CharField(required=False)


class PurchaseFilterForm(forms.Form):
    client = forms.IntegerField(required=False)
    kind = forms.ChoiceField(
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("sale", gettext_lazy("Sales")),
            ("return", gettext_lazy("Returns")),
            ("correction", gettext_lazy("Corrections")),
        ],
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class TaxRateForm(forms.Form):
    """A new tax rate: for a product (SKU or id) or a category, from a date on."""

    product = forms.CharField(required=False, help_text=gettext_lazy("SKU or id; leave empty for a category rate."))
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    rate = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, help_text=gettext_lazy("Percent.")
    )
    name = forms.CharField(max_length=50, required=False)
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_product(self):
        reference = (self.cleaned_data.get("product") or "").strip()
        if not reference:
            return None
        product = selectors.products_by_reference([reference]).get(reference)
        if product is None:
            raise forms.ValidationError(gettext("No product %(reference)s.") % {"reference": reference})
        return product


class PriceOverrideFilterForm(forms.Form):
    """The price overrides page (administrators): by manager, product and date range."""

    by = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Manager"))
    product = forms.CharField(required=False, label=gettext_lazy("Product (SKU or id)"))
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["by"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")

    def clean_product(self):
        reference = (self.cleaned_data.get("product") or "").strip()
        if not reference:
            return None
        product = selectors.products_by_reference([reference]).get(reference)
        if product is None:
            raise forms.ValidationError(gettext("No product %(reference)s.") % {"reference": reference})
        return product


class PerkForm(forms.Form):
    """Record a perk given without a complaint. On the client card the client is fixed (the view passes it);
    on the perks page it is a client number, or a segment for a standing segment perk."""

    kind = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Perk"))
    scope = forms.ChoiceField(choices=Perk.Scope.choices, label=gettext_lazy("Given"))
    client = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Client number"))
    segment = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Segment"))
    cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        label=gettext_lazy("Cost"),
        help_text=gettext_lazy("Empty: the perk kind's usual cost. Standing: per purchase or per 30 days."),
    )
    accrual = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *[c for c in Perk.Accrual.choices if c[0] != Perk.Accrual.ONCE]],
        label=gettext_lazy("Standing perk costs"),
    )
    starts_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("Given on / from")
    )
    ends_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("Last day")
    )
    note = forms.CharField(required=False, max_length=300, label=gettext_lazy("Note"))

    def __init__(self, *args, fixed_client=None, allow_segment: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_client = fixed_client
        self.fields["kind"].queryset = selectors.perk_kind_list(active_only=True)
        self.fields["segment"].queryset = client_selectors.segment_list(active_only=True)
        if fixed_client is not None or not allow_segment:  # a segment perk is an administrator's decision
            del self.fields["segment"]
            self.fields["scope"].choices = [c for c in Perk.Scope.choices if c[0] != Perk.Scope.SEGMENT]
        if fixed_client is not None:
            del self.fields["client"]

    def clean(self):
        data = super().clean()
        if self.fixed_client is not None:
            data["client"] = self.fixed_client
        elif data.get("scope") != Perk.Scope.SEGMENT:
            number = data.get("client")
            if not number:
                self.add_error("client", gettext_lazy("Give the client number."))
            else:
                try:
                    data["client"] = client_selectors.client_get(pk=number)
                except Exception:
                    self.add_error("client", gettext_lazy("No such client."))
        data["accrual"] = data.get("accrual") or ""
        return data


class PerkEndForm(forms.Form):
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("Last day"))


class PerkKindForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    code = forms.SlugField(max_length=50, label=gettext_lazy("Code"))
    default_cost = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, label=gettext_lazy("Usual cost"))
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Given now"))
