"""Keeps cached read models honest: the list's filter choices are dropped when what they show changes."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Segment, Tag
from .selectors import forget_filter_choices


def connect() -> None:
    User = get_user_model()
    for model in (Segment, Tag, User):
        post_save.connect(forget_filter_choices, sender=model, dispatch_uid=f"clients-choices-save-{model.__name__}")
        post_delete.connect(forget_filter_choices, sender=model, dispatch_uid=f"clients-choices-del-{model.__name__}")
    m2m_changed.connect(forget_filter_choices, sender=User.groups.through, dispatch_uid="clients-choices-groups")
