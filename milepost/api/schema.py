"""The OpenAPI document: the error answers every operation can give, declared once.

Views declare the errors of their own rules (403 for a role, 409 for a business rule). What any
operation answers whatever it does is added here, so no operation leaves one undocumented:
401 without valid credentials, 404 for an unknown id or a page past the end, 400 for a filter
or body that is not valid, 413 for a body over the limit and 415 for a body in another format.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension

ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "Malformed request or invalid field; `details` names the fields.",
    "401": "Not authenticated.",
    "404": "Not found, or not visible to you.",
    "413": "The request body is too large.",
    "415": "The request body is in a format this operation does not take.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Send the request again safely: a repeat with the same key and the same request within "
        "24 hours gets the first answer (with `Idempotent-Replayed: true`) and does nothing "
        "again. At most 255 printable ASCII characters (docs/idempotency.md)."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[ -~]*[!-~][ -~]*$",
    },
}
IDEMPOTENCY_ERRORS = {
    "400": "`idempotency_key_invalid`: the Idempotency-Key header is empty, too long or not "
    "printable.",
    "409": "`idempotency_key_in_use`: the first request with this key is still running "
    "(ask again after `Retry-After`).",
    "422": "`idempotency_key_reused`: the key was sent with a different request.",
}
#: Parameters whose bad values answer 404 (a page past the end, an unknown ``?format=``).
PAGING = {"page", "page_size", "format"}


def _error(status: str) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def _statuses(operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    query = {p["name"] for p in parameters if p.get("in") == "query"}
    statuses = ["401"]
    if any(p.get("in") == "path" for p in parameters) or PAGING & query:
        statuses.append("404")
    if query - PAGING or "requestBody" in operation:
        statuses.append("400")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    return statuses


def add_common_errors(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                responses.setdefault(status, _error(status))
            if method == "post":
                _add_idempotency(operation, responses)
            operation["responses"] = dict(sorted(responses.items()))
    return result


def _add_idempotency(operation: dict[str, Any], responses: dict[str, Any]) -> None:
    """The header on a POST, and its answers (added to a 409 the operation already declares)."""
    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
    for status, text in IDEMPOTENCY_ERRORS.items():
        described = responses.get(status, {}).get("description", "")
        if described:
            responses[status]["description"] = f"{described} Or {text}"
        elif status in responses:
            responses[status]["description"] = text[0].upper() + text[1:]
        else:
            responses[status] = {
                "description": text[0].upper() + text[1:],
                "content": {"application/json": {"schema": ERROR_REF}},
            }


class DeclaredInputExtension(OpenApiSerializerExtension):
    """Shows a declared input in the document: ``required`` and ``maxLength`` as declared.

    ``common.DeclaredSerializer`` carries only types, so that the service alone refuses; the
    document still says what the service will ask for.
    """

    target_class = "milepost.api.common.DeclaredSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        serializer = self.target
        cls = serializer if isinstance(serializer, type) else type(serializer)
        if not cls.__dict__.get("__doc__"):
            schema.pop("description", None)  # DeclaredSerializer's docstring is not theirs
        declared = serializer.declared
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            if name not in declared:
                continue
            rule = declared[name]
            if rule.required and not serializer.partial_input:
                required.add(name)
            if rule.required and prop.get("type") == "string":
                prop["minLength"] = 1  # a required field may not be emptied, even in a PATCH
            if "maxlength" in rule.attrs:
                prop["maxLength"] = int(rule.attrs["maxlength"])
        if required:
            schema["required"] = sorted(required, key=list(schema["properties"]).index)
        return schema
