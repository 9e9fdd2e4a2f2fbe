"""Form helpers shared by every app's pages."""

from crm.exceptions import ApplicationError


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
