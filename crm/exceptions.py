class ApplicationError(Exception):
    """A business rule said no. `message` is shown to the user as is; `field` ties it to an input."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", extra=None):
        message = str(message)  # a lazy translation is fixed here, in the language of the request that failed
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The request clashes with what already exists (answered 409 by the API)."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("code", "conflict")
        super().__init__(message, **kwargs)
