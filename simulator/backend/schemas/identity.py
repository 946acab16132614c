"""The token request's body, for the OpenAPI document only: backend/identity.py reads it field by field, because
Rackspace identity words its own 400s ("Invalid request body: ...") rather than a schema validator's."""

from __future__ import annotations

credentials = {
    "RAX-KSKEY:apiKeyCredentials": ("username", "apiKey"),
    "passwordCredentials": ("username", "password"),
    "token": ("id",),
}

AUTH = {
    "type": "object",
    "required": ["auth"],
    "properties": {
        "auth": {
            "type": "object",
            "properties": {
                "tenantId": {"type": "string"},
                "tenantName": {"type": "string"},
                **{
                    key: {
                        "type": "object",
                        "properties": {field: {"type": "string"} for field in fields},
                        "required": list(fields),
                    }
                    for key, fields in credentials.items()
                },
            },
        }
    },
}
