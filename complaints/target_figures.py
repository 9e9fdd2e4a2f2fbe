"""The complaints' contribution to the versioned service targets (crm/standards/targets.py): each response
target row is two targets, its first-response clock and its resolution clock (keys from
services.clocks.target_key). Measured clocks: complaints created in the period with the clock stopped (first
response given; resolved), with the working hours it ran (pauses excluded, counted from the complaint's
creation) and whether it met its due time. A complaint is governed by its category's row for its kind and
severity when there is one, else the general row; the built-in defaults for a severity are not versioned."""

from datetime import datetime

from django.db import connection
from django.utils.translation import gettext as _

from crm.standards import targets as versioned_targets

from .models import Complaint, ResponseTarget
from .services.clocks import target_key


def _label(row: ResponseTarget, clock: str) -> str:
    scope = f"{row.get_kind_display()} · {row.get_severity_display()}"
    if row.category_id:
        scope += f" · {row.category.name}"
    return f"{scope}: {_('first response') if clock == 'first_response' else _('resolution')}"


def targets() -> list[versioned_targets.TargetSpec]:
    specs = []
    for row in ResponseTarget.objects.select_related("category").order_by("kind", "severity", "category_id"):
        specs.append(
            versioned_targets.TargetSpec(
                target_key(row.pk, "first_response"), _label(row, "first_response"), row.first_response_hours
            )
        )
        specs.append(
            versioned_targets.TargetSpec(
                target_key(row.pk, "resolution"), _label(row, "resolution"), row.resolution_hours
            )
        )
    return specs


def measured_sql(start: datetime, end: datetime) -> tuple[str, dict]:
    complaint, target = Complaint._meta.db_table, ResponseTarget._meta.db_table
    prefix = target_key(0, "").removesuffix("0.")  # "complaints.response."
    governed = f"""FROM {complaint} c JOIN {target} t ON t.kind = c.kind AND t.severity = c.severity
      AND (t.category_id = c.category_id OR (t.category_id IS NULL AND NOT EXISTS (
        SELECT 1 FROM {target} t2 WHERE t2.kind = c.kind AND t2.severity = c.severity
          AND t2.category_id = c.category_id)))
    WHERE c.created_at >= %(start)s AND c.created_at < %(end)s"""
    key = f"'{prefix}' || CAST(t.id AS VARCHAR(20)) || "
    sql = f"""
    SELECT {key}'.first_response' AS key, c.first_response_work_hours AS actual_hours,
      CASE WHEN c.first_response_breached THEN 0 ELSE 1 END AS met
    {governed} AND c.first_response_work_hours IS NOT NULL
    UNION ALL
    SELECT {key}'.resolution', c.resolution_work_hours,
      CASE WHEN c.resolution_breached THEN 0 ELSE 1 END
    {governed} AND c.resolution_work_hours IS NOT NULL"""
    ops = connection.ops
    return sql, {"start": ops.adapt_datetimefield_value(start), "end": ops.adapt_datetimefield_value(end)}


SOURCE = versioned_targets.TargetSource(name="complaints", targets=targets, measured_sql=measured_sql)
