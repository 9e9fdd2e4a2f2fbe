"""Form helpers shared by every app's pages."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

from crm.exceptions import ApplicationError


def raise_if_forbidden(exc: ApplicationError) -> None:
    """A service that refused the actor (code "forbidden") is a 403 page, as the API answers 403."""
    if exc.code == "forbidden":
        raise PermissionDenied(exc.message) from exc


def apply_service_refusal(form, exc: ApplicationError) -> None:
    """A refused actor is a 403 page; any other refused rule goes on the form (`apply_application_error`)."""
    raise_if_forbidden(exc)
    apply_application_error(form, exc)


def apply_application_error(form, exc: ApplicationError) -> None:
    """Put a refused business rule on the form: the message on `exc.field` when the form has that field (else
    above the form), and each per-field message in `exc.extra` (`{"field": ["message", ...]}`) on its field.
    Extra keys that are not fields of this form (data such as duplicate candidates or import rows) are left
    for the view to show its own way."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    for name, messages in exc.extra.items():
        if name not in form.fields:
            continue
        if isinstance(messages, str):
            messages = [messages]
        for message in messages:
            if isinstance(message, str):
                form.add_error(name, message)


class LoginForm(AuthenticationForm):
    """The login page's form. When the per-username slowdown refused the attempt before its password was
    checked (crm.logins marks the request with `login_retry_after`), it says so and for how long rather than
    "wrong password"."""

    def get_invalid_login_error(self):
        wait = getattr(self.request, "login_retry_after", None)
        if wait:
            return ValidationError(too_many_attempts_message(wait), code="too_many_attempts")
        return super().get_invalid_login_error()


def too_many_attempts_message(wait: int) -> str:
    """What the login page and the token endpoint say to an attempt the per-username slowdown refused."""
    return f"Too many attempts to log in with this username. Try again in {wait} second{'' if wait == 1 else 's'}."


class DescribedBoundField(BoundField):
    """Error messages tied to their field for screen readers: a field with errors says `aria-invalid="true"`
    (Django does) and `aria-describedby` names the element holding its errors, `<id>-error`, the id the shared
    templates/crm/form_fields.html (and hand-written forms) give it; help text is `<id>_helptext`."""

    @property
    def aria_describedby(self):
        ids = super().aria_describedby
        if ids:
            ids = ids.replace(f"{self.auto_id}_error", f"{self.auto_id}-error")
        return ids


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's own, with DescribedBoundField for every form of the project."""

    bound_field_class = DescribedBoundField
