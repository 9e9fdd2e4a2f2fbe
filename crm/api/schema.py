"""OpenAPI post-processing: what every operation shares, said once."""

IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID). A retry with the same key within 24 hours answers the first response "
        "unchanged (with `Idempotent-Replayed: true`) instead of doing the work again; the same key with a "
        "different request answers 422."
    ),
    "schema": {"type": "string", "maxLength": 255},
}

IDEMPOTENCY_ERROR = {
    "description": "The Idempotency-Key was already used with a different request.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
}


def document_idempotency_key(result, generator, request, public):
    """Every POST operation takes the Idempotency-Key header and may answer 422 for a reused key."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR_SCHEMAS["ErrorDetail"])
    for path, operations in result.get("paths", {}).items():
        operation = operations.get("post")
        if operation is None or not path.startswith("/api/"):
            continue
        params = operation.setdefault("parameters", [])
        if not any(p.get("name") == "Idempotency-Key" for p in params):
            params.append(IDEMPOTENCY_PARAMETER)
        operation.setdefault("responses", {}).setdefault("422", IDEMPOTENCY_ERROR)
    return result


def _error(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "description": "An error with a message for people (`detail`) and sometimes a machine-readable `code`.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
        "additionalProperties": True,
    },
    "FieldErrors": {
        "type": "object",
        "description": "Bad input: each offending field with its messages; `non_field_errors` or `detail` for the "
        "request as a whole.",
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "string"},
                {"type": "object"},
            ]
        },
    },
}

_WRITE = {"post", "put", "patch", "delete"}
SUBSET_UNIONS = ("ClientOrBilling",)


def document_error_responses(result, generator, request, public):
    """Every error an operation can answer is in the schema, with its body: 400 (field messages) for
    operations that take input, 401 and 403 for all but the open ones, 404 for a path with an id, 409 for
    writes that can clash with the current state, 412 for writes that honour If-Match, 429 everywhere
    (throttling). Operations keep what they declare themselves."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    # A shape that is a subset of another (an accountant's billing view of a client) matches both: "any of".
    for name in SUBSET_UNIONS:
        if "oneOf" in schemas.get(name, {}):
            schemas[name]["anyOf"] = schemas[name].pop("oneOf")
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            takes_input = method in {"post", "put", "patch"} or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            )
            if takes_input:
                responses.setdefault("400", _error("Bad input: field messages.", "FieldErrors"))
            if operation.get("security") != [{}] and {} not in operation.get("security", []):
                responses.setdefault(
                    "401", _error("Not authenticated, or the token is invalid or expired.", "ErrorDetail")
                )
                responses.setdefault("403", _error("Your role may not do this.", "ErrorDetail"))
            if "{" in path:
                responses.setdefault("404", _error("No such object, or not one you may see.", "ErrorDetail"))
            elif any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                responses.setdefault("404", _error("The cursor is not one this list gave out.", "ErrorDetail"))
            if method in _WRITE:
                responses.setdefault("409", _error("Clashes with the current state (see `detail`).", "ErrorDetail"))
            if method in {"put", "patch"} and any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                responses.setdefault("412", _error("If-Match did not match: reload and retry.", "ErrorDetail"))
            if method == "post" and path.startswith("/api/"):
                responses.setdefault("415", _error("Send the body as application/json.", "ErrorDetail"))
            responses.setdefault("429", _error("Too many requests: wait `Retry-After` seconds.", "ErrorDetail"))
    return result
