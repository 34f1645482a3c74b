"""OpenAPI: document the error answers every endpoint may give (design: 400 field errors,
401 no/expired token, 403 seen but not allowed, 404 not visible, 409 wrong state), so that
clients and the schemathesis run can rely on the schema for them too."""

ERROR_CODES = {
    "400": "Invalid input: field errors",
    "401": "Not authenticated, or the token expired or was revoked",
    "403": "Visible, but this action is not allowed for the user",
    "404": "Not found, or not visible to the user",
    "409": "The current state does not allow this action",
}
ERROR_SCHEMA = {"type": "object", "additionalProperties": True,
                "description": "`detail` for general errors, or field name → messages"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the common error responses where missing."""
    result.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = ERROR_SCHEMA
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_CODES.items():
                responses.setdefault(code, {"description": description, **error})
    return result
