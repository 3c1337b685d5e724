"""Check an API answer against the OpenAPI document that drf-spectacular serves.

The status must be documented for the operation, the content type must be one documented for
that status, and a JSON body must validate against its schema. The check is stricter than the
document on one point: an object that lists its properties may carry no others, so a field the
schema does not declare fails too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from rest_framework.test import APIClient

FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        if "T" not in value:
            raise ValueError(f"{value!r} has no time")
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone")
    return True


@FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    if isinstance(value, str):
        dt.date.fromisoformat(value)
    return True


@FORMATS.checks("email")
def _email(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None


def _strict(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema 2020-12: ``nullable`` becomes a ``null`` alternative,
    and objects with declared properties admit no others."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: {name: _strict(s) for name, s in value.items()}
        if key == "properties"
        else _strict(value)
        for key, value in node.items()
    }
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.pop("nullable", False):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def fetch_schema() -> dict:
    """The document as ``GET /api/v1/schema/`` serves it."""
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    return response.json()


class Contract:
    def __init__(self, document: dict):
        self.document = document
        self.components = _strict(document.get("components", {}))

    def operations(self) -> list[str]:
        """Every operation as ``"METHOD /path/{param}/"``."""
        return sorted(
            f"{method.upper()} {path}"
            for path, item in self.document["paths"].items()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
        )

    def operation(self, method: str, template: str) -> dict:
        return self.document["paths"][template][method.lower()]

    def problems(self, method: str, template: str, response) -> list[str]:
        """What is wrong with ``response`` for this operation (empty when it conforms)."""
        where = f"{method} {template}"
        responses = self.operation(method, template)["responses"]
        status = str(response.status_code)
        if status not in responses:
            return [f"{where}: status {status} is not documented (only {sorted(responses)})"]
        content = responses[status].get("content") or {}
        if not content:
            if response.content:
                return [f"{where}: {status} is documented without a body, but one came"]
            return []
        media = response.get("Content-Type", "").split(";")[0].strip()
        if media not in content:
            return [f"{where}: {status} answered {media!r}, documented {sorted(content)}"]
        if media != "application/json":
            return []
        schema = {**content[media].get("schema", {})}
        validator = Draft202012Validator(
            {**_strict(schema), "components": self.components}, format_checker=FORMATS
        )
        return [
            f"{where}: {status} body at {'/'.join(map(str, e.absolute_path)) or '.'}: {e.message}"
            for e in validator.iter_errors(response.json())
        ]

    def check(self, method: str, template: str, response) -> None:
        problems = self.problems(method, template, response)
        assert not problems, "\n".join(problems)
