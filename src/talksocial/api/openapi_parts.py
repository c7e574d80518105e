"""What every part of the OpenAPI document (`openapi_doc` and the per-API modules it joins)
spells the same way: media types, the security scheme names, a schema reference."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"
BEARER = "AccessToken"
ADMIN_KEY = "AdminKey"

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}
