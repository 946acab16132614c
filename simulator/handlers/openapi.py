"""GET /openapi.json: the OpenAPI 3.1 document of the simulated API, built from the operation tables (routes.py for
the API, the control plane's modules for /_sim/), the request schemas (backend/schemas/, control/schemas.py) and
the answers' schemas (views/). docs/api-coverage.md is made from the same rows (python -m simulator.serve.api_docs)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from aiohttp import web

from simulator.http import CONTROL_PREFIX, Operation, base_url, json_answer

ACCOUNT_PATH = "/v1.0/{account_id}/"
#: The fault statuses every account call may answer (the Rackspace docs' set, with Trove's 409 and the 415 of a
#: body that is not JSON); a control call is never 401 (loopback or the admin token); a public call has no account.
API_ERRORS = (400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 501, 503)
CONTROL_ERRORS = tuple(code for code in API_ERRORS if code != 401)
PUBLIC_ERRORS = (400, 404, 405, 413, 415, 500, 501, 503)
#: Path parameters, with what the document says of them.
PATH_PARAMETERS: dict[str, str] = {
    "account_id": "The account (tenant) id.",
    "user": "name or name@host (URL-encoded)",
    "name": "a database's name; under /_sim/, a snapshot's or a scenario's",
    "parameter": "configuration parameter name",
    "address": "an ACL's CIDR, URL-encoded (1.2.3.4%2F32)",
}
#: Query parameters an operation's row may name.
QUERY_PARAMETERS: dict[str, dict] = {
    "limit": {"schema": {"type": "integer"}},
    "marker": {"schema": {"type": "string"}},
    "include_replicas": {
        "schema": {"type": "string", "enum": ["true", "false"]},
        "description": "false leaves out replicas",
    },
    "include_ha": {
        "schema": {"type": "string", "enum": ["true", "false"]},
        "description": "false leaves out nodes of HA groups",
    },
    "datastore": {"schema": {"type": "string"}},
    "instance_id": {"schema": {"type": "string"}},
    "account_id": {"schema": {"type": "string"}},
    "account": {"schema": {"type": "string"}},
    "since": {
        "schema": {"type": "string"},
        "description": "after this mark: a journal seq, or for the journal a time on the simulator's clock "
        "(ISO 8601); for /errors an index",
    },
    "until": {"schema": {"type": "string"}, "description": "a journal seq (up to it), or a time (ISO 8601)"},
    "route": {"schema": {"type": "string"}, "description": "a route name (an operation id); repeatable"},
    "status": {
        "schema": {"type": "string", "pattern": "^([1-5][0-9][0-9]|[1-5][xX][xX])$"},
        "description": "a status (404) or a class (4xx); repeatable",
    },
    "method": {"schema": {"type": "string"}, "description": "an HTTP method; repeatable"},
    "path": {"schema": {"type": "string"}, "description": "a glob: * any characters, ? one"},
    "faulted": {
        "schema": {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no"]},
        "description": "true: answered or changed by a fault rule; false: by none",
    },
}
SUCCESS = {200: "Success.", 201: "Created.", 202: "Accepted.", 204: "No content."}
EMPTY = {200: "Success (empty body).", 202: "Accepted (empty body).", 204: "No content."}
INFO = {
    "title": "cdbsim: simulated Rackspace Cloud Databases API v1.0",
    "version": "0.1.0",
    "description": "The API cdbsim serves: Cloud Databases v1.0 (Trove), the identity v2.0 token call and the /_sim/ "
    "control plane. Built from the operation table (simulator/routes.py, and the control plane's modules): operation "
    "ids and x-route-name are its route names; request schemas are those of simulator/backend/schemas/. Every error "
    "is a fault body {<fault>: {code, message}}.",
}
TAGS = [
    {"name": "api", "description": "Cloud Databases API v1.0 and identity v2.0"},
    {"name": "control", "description": "The /_sim/ control plane (loopback or admin token)"},
]
FAULTS = {
    "Fault": {
        "description": "A fault body.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fault"}}},
    },
    "OverLimit": {
        "description": "Quota, volume or rate limit exceeded (Retry-After on rate limits).",
        "headers": {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"}, "required": False}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fault"}}},
    },
}


def document_path(path: str) -> str:
    """A route's path as the document writes it: {name:regex} becomes {name}."""
    return re.sub(r"\{(\w+):[^{}]*\}", r"{\1}", path)


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{(\w+)[:}]", path)


def _request_body(op: Operation) -> dict:
    refs = [{"$ref": f"#/components/schemas/req_{name}"} for name in op.bodies]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    content = {"application/json": {"schema": schema}} | {
        media: {"schema": {"type": "string"}} for media in op.text_bodies
    }
    return {"required": op.body_required, "content": content}


def _responses(op: Operation, errors: Sequence[int]) -> dict:
    if op.answer is None:
        success: dict = {"description": EMPTY[op.status]}
    else:
        success = {"description": SUCCESS[op.status], "content": {"application/json": {"schema": op.answer}}}
    faults = {
        str(code): {"$ref": "#/components/responses/" + ("OverLimit" if code == 413 else "Fault")} for code in errors
    }
    return {str(op.status): success, **faults}


def _operation(op: Operation, path: str, tag: str) -> dict:
    account = path.startswith(ACCOUNT_PATH)
    errors = op.errors or (CONTROL_ERRORS if tag == "control" else API_ERRORS if account else PUBLIC_ERRORS)
    out: dict = {
        "operationId": op.name,
        "x-route-name": op.name,
        "summary": op.summary,
        "tags": [tag],
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in path_parameters(path)]
        + [{"name": name, "in": "query", "required": False, **QUERY_PARAMETERS[name]} for name in op.query],
    }
    if op.bodies:
        out["requestBody"] = _request_body(op)
    out["responses"] = _responses(op, errors)
    out["security"] = [{"token": []}] if account else []
    return out


@dataclass(frozen=True)
class ApiDescription:
    """The operations the simulator serves (the API's, then the control plane's, whose paths are under
    CONTROL_PREFIX) and the schemas their rows name: requests by name (components req_<name>), answers' components
    by component name."""

    api: tuple[Operation, ...]
    control: tuple[Operation, ...]
    requests: Mapping[str, dict]
    responses: Mapping[str, dict]

    def operations(self) -> list[tuple[str, str, Operation]]:
        """(tag, path as the document writes it, operation) for every operation, API first."""
        return [("api", document_path(op.path), op) for op in self.api] + [
            ("control", document_path(CONTROL_PREFIX + op.path), op) for op in self.control
        ]

    @cached_property
    def document(self) -> dict:
        """The OpenAPI 3.1 document (built once; servers is the caller's to add)."""
        paths: dict[str, dict] = {}
        names: set[str] = set()
        for tag, path, op in self.operations():
            missing = [name for name in op.bodies if name not in self.requests]
            if missing:
                raise KeyError(f"{op.name}: no request schema named {', '.join(missing)}")
            paths.setdefault(path, {})[op.method.lower()] = _operation(op, path, tag)
            names.update(path_parameters(path))
        parameters = {
            name: {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            | ({"description": PATH_PARAMETERS[name]} if name in PATH_PARAMETERS else {})
            for name in sorted(names)
        }
        schemas = {**self.responses, **{f"req_{name}": schema for name, schema in self.requests.items()}}
        return {
            "openapi": "3.1.0",
            "info": INFO,
            "tags": TAGS,
            "paths": paths,
            "components": {
                "schemas": schemas,
                "responses": FAULTS,
                "parameters": parameters,
                "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
            },
        }

    def markdown(self) -> str:
        """docs/api-coverage.md: every operation with its method, path, id and summary."""
        lines = [
            "# API coverage",
            "",
            "Every operation cdbsim serves, generated from the operation table (`simulator/routes.py`, and the control",
            "plane's modules for `/_sim/`): do not edit this page, regenerate it with",
            "`python -m simulator.serve.api_docs > docs/api-coverage.md` (tests/test_docs.py fails when it is stale).",
            "The operation id is the route name the journal, fault rules and the coverage report use;",
            "`GET /openapi.json` serves the OpenAPI 3.1 document of all of them.",
        ]
        titles = {"api": "Cloud Databases API v1.0 and identity v2.0", "control": "The control plane (`/_sim/`)"}
        for tag, title in titles.items():
            lines += ["", f"## {title}", "", "| method | path | operation id | summary |", "|---|---|---|---|"]
            for op_tag, path, op in self.operations():
                if op_tag == tag:
                    summary = op.summary.replace("|", "\\|")
                    lines.append(f"| {op.method} | `{path}` | `{op.name}` | {summary} |")
        return "\n".join(lines) + "\n"


#: The description create_app builds from the tables (its document is built on the first GET /openapi.json).
OPENAPI = web.AppKey("openapi", ApiDescription)


async def show_openapi(request: web.Request) -> web.Response:
    """GET /openapi.json, with `servers` pointing at this server as the client reached it."""
    return json_answer({**request.app[OPENAPI].document, "servers": [{"url": base_url(request)}]})
