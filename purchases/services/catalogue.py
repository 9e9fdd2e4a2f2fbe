"""Catalogue services: categories, products (with their first weight row), tiers, policy and the catalogue import.
Typed values only: the forms, the serializers and the CSV reader (purchases.forms.catalogue_csv_rows) parse."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.money import money

from ..models import Category, ClientAccount, DiscountPolicy, DiscountTier, Product, ProductWeight, Purchase, TierChange
from .accounts import policy_get
from .weights import WEIGHTS_START, product_weight_set

PRODUCT_FIELDS = [
    "sku",
    "name",
    "category",
    "unit_price",
    "unit_cost",
    "incentive_weight",
    "is_locomotive",
    "is_key",
    "consultation_after_days",
    "discount_eligible",
    "is_active",
]
FLAGS = ("is_locomotive", "is_key", "discount_eligible", "is_active")


def _at_least(value, name: str, minimum=Decimal("0")):
    if value is None or value < minimum:
        raise ApplicationError(gettext("Must be at least %(minimum)s.") % {"minimum": minimum}, field=name)
    return value


@transaction.atomic
def category_save(*, name: str, code: str = "", is_active: bool = True, category: Category | None = None) -> Category:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(gettext("A name is required."), field="name")
    code = slugify(code or name)[:50]
    clash = Category.objects.filter(name__iexact=name) | Category.objects.filter(code=code)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ApplicationError(gettext("A category with that name or code exists."), field="name")
    if category is None:
        return Category.objects.create(name=name, code=code, is_active=is_active)
    category.name, category.code, category.is_active = name, code, is_active
    category.save(update_fields=["name", "code", "is_active", "updated_at"])
    return category


def _product_fields(data: dict, *, instance: Product | None = None) -> dict:
    """The product fields given (all of them for a new product), checked against the catalogue's rules."""
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"Not product fields: {', '.join(sorted(unknown))}")
    out = {}
    if "sku" in data or instance is None:
        sku = (data.get("sku") or "").strip()
        if not sku:
            raise ApplicationError(gettext("A SKU is required."), field="sku")
        clash = Product.objects.filter(sku=sku)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ApplicationError(gettext("Another product has this SKU."), field="sku")
        out["sku"] = sku
    if "name" in data or instance is None:
        name = (data.get("name") or "").strip()
        if not name:
            raise ApplicationError(gettext("A name is required."), field="name")
        out["name"] = name
    if "category" in data or instance is None:
        if data.get("category") is None:
            raise ApplicationError(gettext("Choose a category."), field="category")
        out["category"] = data["category"]
    for name in ("unit_price", "unit_cost"):
        if name in data or instance is None:
            out[name] = money(_at_least(data.get(name), name))
    for name in FLAGS:
        if name in data:
            out[name] = bool(data[name])
    if "consultation_after_days" in data:
        out["consultation_after_days"] = _at_least(data["consultation_after_days"], "consultation_after_days")
    return out


@transaction.atomic
def product_create(
    *,
    sku: str,
    name: str,
    category: Category,
    unit_price: Decimal,
    unit_cost: Decimal,
    incentive_weight: Decimal = Decimal("1"),
    is_locomotive: bool = False,
    is_key: bool = False,
    consultation_after_days: int = 14,
    discount_eligible: bool = True,
    is_active: bool = True,
    by=None,
) -> Product:
    """A new product; its starting incentive weight is written as the first effective-dated weight row."""
    fields = _product_fields(
        {
            "sku": sku,
            "name": name,
            "category": category,
            "unit_price": unit_price,
            "unit_cost": unit_cost,
            "is_locomotive": is_locomotive,
            "is_key": is_key,
            "consultation_after_days": consultation_after_days,
            "discount_eligible": discount_eligible,
            "is_active": is_active,
        }
    )
    weight = _at_least(incentive_weight, "incentive_weight")
    product = Product.objects.create(**fields, incentive_weight=weight)
    ProductWeight.objects.create(product=product, weight=weight, effective_from=WEIGHTS_START, set_by=by)
    return product


@transaction.atomic
def product_update(*, product: Product, by=None, **changes) -> Product:
    """Change the given fields of a product (names as in PRODUCT_FIELDS, typed as for product_create). A new
    incentive weight takes effect today (see product_weight_set), never backdated."""
    weight = changes.pop("incentive_weight", None)
    fields = _product_fields(changes, instance=product)
    for name, value in fields.items():
        setattr(product, name, value)
    if fields:
        product.save(update_fields=[*fields, "updated_at"])
    if weight is not None and _at_least(weight, "incentive_weight") != product.incentive_weight:
        product_weight_set(product=product, weight=weight, effective_from=timezone.localdate(), by=by)
        product.refresh_from_db()
    return product


@transaction.atomic
def product_upsert_by_sku(*, sku: str, data: dict, by=None) -> tuple[Product, bool]:
    """The ERP's PUT: create the product with this SKU or update it; repeating the same call changes nothing.
    `data`: product_create's keywords (a `sku` in it is ignored: the path names the product). Returns
    (product, created)."""
    sku = (sku or "").strip()
    if not sku:
        raise ApplicationError(gettext("A SKU is required."), field="sku")
    data = {k: v for k, v in data.items() if k != "sku"}
    existing = Product.objects.select_for_update().filter(sku=sku).first()
    if existing is not None:
        return product_update(product=existing, by=by, **data), False
    try:
        with transaction.atomic():
            return product_create(by=by, sku=sku, **data), True
    except (IntegrityError, ApplicationError) as exc:
        if isinstance(exc, ApplicationError) and exc.field != "sku":
            raise
        # A concurrent PUT created it first (the unique index or the pre-check saw it): update that one.
        existing = Product.objects.select_for_update().get(sku=sku)
        return product_update(product=existing, by=by, **data), False


@dataclass(frozen=True)
class CatalogueRow:
    """A parsed row of an imported catalogue: its line in the file (for messages), the SKU, the category as
    written (a name or a code; created when new) and the other product fields the row gives, typed (a field
    left empty in the file is absent, so an update keeps its value)."""

    number: int
    sku: str
    category: str
    fields: dict = field(default_factory=dict)


@transaction.atomic
def catalogue_import(*, rows: Sequence[CatalogueRow], by=None) -> dict:
    """Import catalogue rows: a known SKU is updated, a new one created; categories are found by name or code,
    created when new. All or nothing: any bad row and nothing is imported; the error lists every bad row."""
    errors, created, updated = [], 0, 0
    seen = set()
    existing = {p.sku: p for p in Product.objects.all()}
    categories = {c.name.lower(): c for c in Category.objects.all()} | {c.code: c for c in Category.objects.all()}
    for row in rows:
        try:
            if row.sku in seen:
                raise ApplicationError(gettext("SKU appears twice in the file."), field="sku")
            seen.add(row.sku)
            if not row.category.strip():
                raise ApplicationError(gettext("A category is required."), field="category")
            category = categories.get(row.category.strip().lower()) or categories.get(slugify(row.category))
            if category is None:
                category = category_save(name=row.category)
                categories[row.category.strip().lower()] = categories[category.code] = category
            if row.sku in existing:
                product_update(product=existing[row.sku], by=by, sku=row.sku, category=category, **row.fields)
                updated += 1
            else:
                existing[row.sku] = product_create(by=by, sku=row.sku, category=category, **row.fields)
                created += 1
        except ApplicationError as exc:
            errors.append(f"Row {row.number}{f' ({row.sku})' if row.sku else ''}: {exc.field or 'row'}: {exc.message}")
    if errors:
        transaction.set_rollback(True)
        raise ApplicationError(
            " ".join([gettext("Nothing was imported."), *errors]), field="file", extra={"rows": errors}
        )
    return {"created": created, "updated": updated}


@transaction.atomic
def tier_save(
    *, threshold: Decimal, percent: Decimal, name: str = "", tier: DiscountTier | None = None
) -> DiscountTier:
    threshold = money(_at_least(threshold, "threshold"))
    percent = money(_at_least(percent, "percent"))
    if percent > 100:
        raise ApplicationError(gettext("At most 100%."), field="percent")
    clash = DiscountTier.objects.filter(threshold=threshold)
    if tier is not None:
        clash = clash.exclude(pk=tier.pk)
    if clash.exists():
        raise ApplicationError(gettext("A tier with this threshold exists."), field="threshold")
    name = (name or "").strip()
    if tier is None:
        return DiscountTier.objects.create(threshold=threshold, percent=percent, name=name)
    tier.threshold, tier.percent, tier.name = threshold, percent, name
    tier.save(update_fields=["threshold", "percent", "name", "updated_at"])
    return tier


@transaction.atomic
def tier_delete(*, tier: DiscountTier) -> None:
    used = (
        Purchase.objects.filter(tier=tier).exists()
        or ClientAccount.objects.filter(tier=tier).exists()
        or TierChange.objects.filter(to_tier=tier).exists()
    )
    if used:
        raise ApplicationError(gettext("This tier was applied to purchases; change it instead of deleting it."))
    tier.delete()


@transaction.atomic
def policy_set(*, basis: str, window_months: int = 12) -> DiscountPolicy:
    if basis not in DiscountPolicy.Basis.values:
        raise ApplicationError(gettext("Choose lifetime or rolling."), field="basis")
    _at_least(window_months, "window_months", minimum=1)
    policy = policy_get()
    policy.basis, policy.window_months = basis, window_months
    policy.save(update_fields=["basis", "window_months"])
    return policy
