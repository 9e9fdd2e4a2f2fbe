"""Catalogue services: categories, products (with their first weight row), tiers, policy and the CSV import."""

import csv
import io
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from crm.exceptions import ApplicationError
from crm.money import money

from ..models import Category, ClientAccount, DiscountPolicy, DiscountTier, Product, ProductWeight, Purchase, TierChange
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


def _dec(value, field: str, *, minimum=Decimal("0")) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except Exception:
        raise ApplicationError("Enter a number.", field=field)
    if not result.is_finite() or result < minimum:
        raise ApplicationError(f"Must be at least {minimum}.", field=field)
    return result


@transaction.atomic
def category_save(*, name: str, code: str = "", is_active: bool = True, category: Category | None = None) -> Category:
    name = (name or "").strip()
    if not name:
        raise ApplicationError("A name is required.", field="name")
    code = slugify(code or name)[:50]
    clash = Category.objects.filter(name__iexact=name) | Category.objects.filter(code=code)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ApplicationError("A category with that name or code exists.", field="name")
    category = category or Category()
    category.name, category.code, category.is_active = name, code, is_active
    category.save()
    return category


def _clean_product(data: dict, *, instance: Product | None = None) -> dict:
    out = {}
    if "sku" in data or instance is None:
        sku = (data.get("sku") or "").strip()
        if not sku:
            raise ApplicationError("A SKU is required.", field="sku")
        clash = Product.objects.filter(sku=sku)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ApplicationError("Another product has this SKU.", field="sku")
        out["sku"] = sku
    if "name" in data or instance is None:
        name = (data.get("name") or "").strip()
        if not name:
            raise ApplicationError("A name is required.", field="name")
        out["name"] = name
    if "category" in data or instance is None:
        category = data.get("category")
        if not isinstance(category, Category):
            category = Category.objects.filter(pk=category).first() if str(category or "").isdigit() else None
        if category is None:
            raise ApplicationError("Choose a category.", field="category")
        out["category"] = category
    for field in ("unit_price", "unit_cost"):
        if field in data or instance is None:
            out[field] = money(_dec(data.get(field, "0"), field))
    for field in ("is_locomotive", "is_key", "discount_eligible", "is_active"):
        if field in data:
            out[field] = bool(data[field])
    if "consultation_after_days" in data:
        days = _dec(data["consultation_after_days"], "consultation_after_days")
        out["consultation_after_days"] = int(days)
    return out


@transaction.atomic
def product_create(*, by=None, **data) -> Product:
    """A new product; its starting incentive weight is written as the first effective-dated weight row."""
    fields = _clean_product(data)
    weight = _dec(data.get("incentive_weight", "1") or "1", "incentive_weight")
    product = Product.objects.create(**fields, incentive_weight=weight)
    ProductWeight.objects.create(product=product, weight=weight, effective_from=WEIGHTS_START, set_by=by)
    return product


@transaction.atomic
def product_update(*, product: Product, by=None, **data) -> Product:
    """Change a product. A new incentive weight takes effect today (see product_weight_set), never backdated."""
    fields = _clean_product(data, instance=product)
    for name, value in fields.items():
        setattr(product, name, value)
    if fields:
        product.save(update_fields=[*fields, "updated_at"])
    if data.get("incentive_weight") not in (None, ""):
        weight = _dec(data["incentive_weight"], "incentive_weight")
        if weight != product.incentive_weight:
            product_weight_set(product=product, weight=weight, effective_from=timezone.localdate(), by=by)
            product.refresh_from_db()
    return product


def _bool(value: str) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "y", "x"}


@transaction.atomic
def catalogue_import_csv(*, file, by=None) -> dict:
    """Import products from CSV (header: sku,name,category,unit_price,unit_cost, optional incentive_weight,
    is_locomotive,is_key,consultation_after_days,discount_eligible,is_active). A known SKU is updated, a new
    one created; categories are found by name or code, created when new. All or nothing: any bad row and
    nothing is imported; the error lists every bad row."""
    raw = file.read() if hasattr(file, "read") else file
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApplicationError("The file must be UTF-8 CSV.", field="file")
    reader = csv.DictReader(io.StringIO(raw))
    missing = {"sku", "name", "category", "unit_price", "unit_cost"} - set(reader.fieldnames or [])
    if missing:
        raise ApplicationError(f"Missing columns: {', '.join(sorted(missing))}.", field="file")
    errors, created, updated = [], 0, 0
    seen = set()
    existing = {p.sku: p for p in Product.objects.all()}
    categories = {c.name.lower(): c for c in Category.objects.all()} | {c.code: c for c in Category.objects.all()}
    for number, row in enumerate(reader, start=2):
        sku = (row.get("sku") or "").strip()
        try:
            if sku in seen:
                raise ApplicationError("SKU appears twice in the file.", field="sku")
            seen.add(sku)
            cat_name = (row.get("category") or "").strip()
            if not cat_name:
                raise ApplicationError("A category is required.", field="category")
            category = categories.get(cat_name.lower()) or categories.get(slugify(cat_name))
            if category is None:
                category = category_save(name=cat_name)
                categories[cat_name.lower()] = categories[category.code] = category
            data = {
                "sku": sku,
                "name": row.get("name"),
                "category": category,
                "unit_price": row.get("unit_price"),
                "unit_cost": row.get("unit_cost"),
            }
            for flag in ("is_locomotive", "is_key", "discount_eligible", "is_active"):
                if (row.get(flag) or "").strip():
                    data[flag] = _bool(row[flag])
            if (row.get("consultation_after_days") or "").strip():
                data["consultation_after_days"] = row["consultation_after_days"]
            if (row.get("incentive_weight") or "").strip():
                data["incentive_weight"] = row["incentive_weight"]
            if sku in existing:
                product_update(product=existing[sku], by=by, **data)
                updated += 1
            else:
                existing[sku] = product_create(by=by, **data)
                created += 1
        except ApplicationError as exc:
            errors.append(f"Row {number}{f' ({sku})' if sku else ''}: {exc.field or 'row'}: {exc.message}")
    if errors:
        transaction.set_rollback(True)
        raise ApplicationError("Nothing was imported. " + " ".join(errors), field="file", extra={"rows": errors})
    return {"created": created, "updated": updated}


@transaction.atomic
def tier_save(*, threshold, percent, name: str = "", tier: DiscountTier | None = None) -> DiscountTier:
    threshold = money(_dec(threshold, "threshold"))
    percent = money(_dec(percent, "percent"))
    if percent > 100:
        raise ApplicationError("At most 100%.", field="percent")
    clash = DiscountTier.objects.filter(threshold=threshold)
    if tier is not None:
        clash = clash.exclude(pk=tier.pk)
    if clash.exists():
        raise ApplicationError("A tier with this threshold exists.", field="threshold")
    tier = tier or DiscountTier()
    tier.threshold, tier.percent, tier.name = threshold, percent, (name or "").strip()
    tier.save()
    return tier


@transaction.atomic
def tier_delete(*, tier: DiscountTier) -> None:
    used = (
        Purchase.objects.filter(tier=tier).exists()
        or ClientAccount.objects.filter(tier=tier).exists()
        or TierChange.objects.filter(to_tier=tier).exists()
    )
    if used:
        raise ApplicationError("This tier was applied to purchases; change it instead of deleting it.")
    tier.delete()


@transaction.atomic
def policy_set(*, basis: str, window_months=12) -> DiscountPolicy:
    if basis not in DiscountPolicy.Basis.values:
        raise ApplicationError("Choose lifetime or rolling.", field="basis")
    months = int(_dec(window_months, "window_months", minimum=Decimal("1")))
    policy, _ = DiscountPolicy.objects.get_or_create(pk=1)
    policy.basis, policy.window_months = basis, months
    policy.save()
    return policy
