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
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
                "required": ["detail"],
            }
        }
    },
}


def document_idempotency_key(result, generator, request, public):
    """Every POST operation takes the Idempotency-Key header and may answer 422 for a reused key."""
    for path, operations in result.get("paths", {}).items():
        operation = operations.get("post")
        if operation is None or not path.startswith("/api/"):
            continue
        params = operation.setdefault("parameters", [])
        if not any(p.get("name") == "Idempotency-Key" for p in params):
            params.append(IDEMPOTENCY_PARAMETER)
        operation.setdefault("responses", {}).setdefault("422", IDEMPOTENCY_ERROR)
    return result
