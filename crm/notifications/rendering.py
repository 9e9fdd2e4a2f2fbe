"""Message templates rendered in a sandbox: a fresh template Engine with no loaders and only Django's
default tags and filters, so an administrator's template cannot include files or load tag libraries."""

import logging

from django.conf import settings
from django.template import Context, Engine, Library, TemplateSyntaxError
from django.template.defaultfilters import register as default_filters
from django.template.defaulttags import register as default_tags
from django.utils import translation
from django.utils.translation import gettext as _

from . import registry
from .models import MessageTemplate

log = logging.getLogger(__name__)

# Django's default tags and filters, minus those that reach outside the message: {% debug %} (dumps the
# context and loaded modules), {% load %}, {% url %}, {% csrf_token %}; and no include/extends (no loaders,
# and loader_tags is not a builtin here).
_SAFE = Library()
_SAFE.tags = {k: v for k, v in default_tags.tags.items() if k not in {"debug", "load", "url", "csrf_token"}}
_SAFE.filters = dict(default_filters.filters)
_ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=False, debug=False)
_ENGINE.template_builtins = [_SAFE]


def validate(source: str) -> None:
    """Raise TemplateSyntaxError if `source` does not compile."""
    _ENGINE.from_string(source)


def render_string(source: str, context: dict) -> str:
    """Plain text. Template.render marks its output safe; drop that mark so a page showing the text
    escapes it (the values come from clients and administrators)."""
    return "".join([_ENGINE.from_string(source).render(Context(context, autoescape=False))])


SAMPLE_CONTEXT = {
    "client_name": "Kessler Print Studio",
    "user_name": "Maria Novak",
    "subject": "The subject the event wrote",
    "body": "The text the event wrote.",
    "tier": "Gold",
    "discount": "7%",
    "number": "2026-0042",
    "total": "1,240.00",
    "due": "2026-12-07",
    "reference": "C-2026-0117",
    "text": "delivery of the archival inks by Friday",
    "unsubscribe_url": "https://crm.example.com/notifications/unsubscribe/...",
}


def template_for(event: str, channel: str) -> MessageTemplate | None:
    """The active template for the event on this channel, else the event's any-channel template."""
    found = {
        t.channel: t for t in MessageTemplate.objects.filter(event=event, channel__in=[channel, ""], is_active=True)
    }
    return found.get(channel) or found.get("")


def render_row(row) -> tuple[str, str]:
    """Subject and body for a notification: its template rendered with its context (plus what the apps
    registered about the recipient, e.g. `client_name`),
    falling back to the subject and body the event wrote when there is no template or it fails."""
    template = template_for(row.event, row.channel)
    if template is None:
        return row.subject, row.body
    context = {"subject": row.subject, "body": row.body, **registry.template_context(row), **(row.context or {})}
    if row.user_id:
        context.setdefault("user_name", row.user.get_full_name() or row.user.username)
    # In the recipient's language (a client's, from the context the clients app provides): dates and numbers
    # in the template follow it.
    with translation.override(context.get("language") or settings.LANGUAGE_CODE):
        try:
            subject = render_string(template.subject, context).strip() if template.subject else row.subject
            body = render_string(template.body, context)
        except Exception as exc:  # a broken template must not stop delivery: fall back and say so in the log
            log.warning("notification %s: template %s failed: %s", row.pk, template.pk, exc)
            return row.subject, row.body
        link = (row.context or {}).get("unsubscribe_url")
        if link and link not in body:  # every news message carries its unsubscribe link, whatever the template
            body = f"{body.rstrip()}\n\n{_('To stop receiving these:')} {link}"
    return subject[:200], body


__all__ = ["TemplateSyntaxError", "render_row", "render_string", "template_for", "validate"]
