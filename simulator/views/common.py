"""Pieces every resource's view shares: the self and bookmark links, and a truncated page's next link."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from simulator.reference import regions


def links(base: str, account_id: str, collection: str, item_id) -> list[dict]:
    """self (with version and account) and bookmark (without either) links, on the API of the account scope's
    region."""
    root = base + regions.prefix(regions.region_of(account_id))
    return [
        {"href": f"{root}/v1.0/{regions.account_of(account_id)}/{collection}/{item_id}", "rel": "self"},
        {"href": f"{root}/{collection}/{item_id}", "rel": "bookmark"},
    ]


def next_link(url: str, query: Mapping[str, str], marker, limit: int) -> list[dict]:
    """The `links` array of a truncated page: the same URL with marker (quoted again) and limit."""
    params = {k: v for k, v in query.items() if k not in ("marker", "limit")}
    params["marker"] = quote(str(marker), safe="")
    params["limit"] = str(limit)
    return [{"href": f"{url}?{urlencode(params)}", "rel": "next"}]


def ref(component: str) -> dict:
    """A reference to a component schema of the OpenAPI document."""
    return {"$ref": f"#/components/schemas/{component}"}


def one(key: str, component: str) -> dict:
    """The schema of {key: <component>}: one resource under its key."""
    return {"type": "object", "properties": {key: ref(component)}, "required": [key]}


def many(key: str, component: str, *, paged: bool = False) -> dict:
    """The schema of {key: [<component>...]}, with the page's links when the list is paged."""
    properties: dict = {key: {"type": "array", "items": ref(component)}}
    if paged:
        properties["links"] = ref("Links")
    return {"type": "object", "properties": properties, "required": [key]}


#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "FaultDetail": {
        "type": "object",
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string"},
            "details": {"type": "string"},
            "retryAfter": {"type": "string"},
        },
        "required": ["code", "message"],
    },
    "Fault": {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": ref("FaultDetail"),
        "description": "Every error: {<fault name>: {code, message}}; code repeats the HTTP status.",
    },
    "Link": {
        "type": "object",
        "properties": {"href": {"type": "string"}, "rel": {"type": "string"}},
        "required": ["href", "rel"],
        "additionalProperties": False,
    },
    "Links": {"type": "array", "items": ref("Link")},
    "Limit": {
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "verb": {"const": "ABSOLUTE"},
                    "max_instances": {"type": "integer"},
                    "max_backups": {"type": "integer"},
                    "max_volume_size": {"type": "integer"},
                },
                "required": ["verb", "max_instances", "max_backups", "max_volume_size"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "verb": {"enum": ["GET", "POST", "PUT", "DELETE"]},
                    "uri": {"type": "string"},
                    "regex": {"type": "string"},
                    "value": {"type": "integer"},
                    "remaining": {"type": "integer"},
                    "unit": {"type": "string"},
                    "nextAvailable": {"type": "string"},
                },
                "required": ["verb", "uri", "regex", "value", "remaining", "unit", "nextAvailable"],
                "additionalProperties": False,
            },
        ]
    },
    "Access": {
        "type": "object",
        "properties": {
            "access": {
                "type": "object",
                "properties": {
                    "token": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "expires": {"type": "string"},
                            "issued_at": {"type": "string"},
                            "tenant": {
                                "type": "object",
                                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                                "required": ["id", "name"],
                            },
                            "RAX-AUTH:authenticatedBy": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["id", "expires", "issued_at", "tenant", "RAX-AUTH:authenticatedBy"],
                    },
                    "serviceCatalog": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "type": {"type": "string"},
                                "endpoints": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "publicURL": {"type": "string"},
                                            "internalURL": {"type": "string"},
                                            "adminURL": {"type": "string"},
                                            "region": {"type": "string"},
                                            "tenantId": {"type": "string"},
                                        },
                                        "required": ["publicURL", "region", "tenantId"],
                                    },
                                },
                            },
                            "required": ["name", "type", "endpoints"],
                        },
                    },
                    "user": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "name": {"type": "string"},
                            "RAX-AUTH:defaultRegion": {"type": "string"},
                            "roles": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "string"},
                                        "name": {"type": "string"},
                                        "tenantId": {"type": "string"},
                                        "description": {"type": "string"},
                                    },
                                    "required": ["name"],
                                },
                            },
                        },
                        "required": ["id", "name", "RAX-AUTH:defaultRegion", "roles"],
                    },
                },
                "required": ["token", "serviceCatalog", "user"],
            }
        },
        "required": ["access"],
    },
    "IdentityVersion": {
        "type": "object",
        "properties": {
            "version": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string"},
                    "updated": {"type": "string"},
                    "links": ref("Links"),
                    "media-types": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"base": {"type": "string"}, "type": {"type": "string"}},
                            "required": ["base", "type"],
                        },
                    },
                },
                "required": ["id", "status", "updated", "links", "media-types"],
            }
        },
        "required": ["version"],
    },
}
