"""What the clients API modules share: the role rules of its endpoints, choice fields with their own schema
enum names, and turning a refused right into 403."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.permissions import roles
from crm.roles import Role, has_role

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
StaffWrite = roles(SM, ADM)
StaffWriteAccountantRead = roles(SM, ADM, read=(ACC,))
ReadAllWriteAdmin = roles(ADM, read=(SM, ACC))


def choice_field(choices, name: str, **kwargs) -> serializers.ChoiceField:
    """A choice field with its own enum component (`name`): several models have a `kind` or `status` of
    their own, and drf-spectacular's automatic enum names would collide."""
    schema = {"type": "string", "enum": [value for value, _label in choices]}
    field_class = CHOICE_CLASSES.get(name)
    if field_class is None:
        field_class = extend_schema_field(schema, component_name=name)(
            type(f"{name}Field", (serializers.ChoiceField,), {})
        )
        CHOICE_CLASSES[name] = field_class
    return field_class(choices=choices, **kwargs)


CHOICE_CLASSES: dict[str, type] = {}


def full_access(user) -> bool:
    return has_role(user, SM, ADM)
