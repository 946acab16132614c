"""Fault actions: what a fired rule does to the request and its answer (the applying half; engine.py decides)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from simulator.errors import SimulatorError, error_for_status
from simulator.faults.rules import MISSING, lookup
from simulator.http import INERT, fault_response
from simulator.keys import BACKEND, CONTEXT, REGION
from simulator.reference import regions

#: Messages of injected faults that give none (the service's own wording where there is one).
DEFAULT_MESSAGES = {
    401: "The supplied token is not authorized to access the resources, either it's expired or invalid.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    409: "There was a conflict with the current state of the resource.",
    413: "This request was rate-limited.",
    422: "The request cannot be processed at this time.",
    500: "The server has either erred or is incapable of performing the requested operation.",
    501: "The requested method or resource is not implemented.",
    503: "The service is currently unavailable.",
}
#: Retry-After of an injected 413 that gives none.
DEFAULT_RETRY_AFTER = 60
#: Routes whose resource a model fault can make end badly, and how to find the resource's id.
MODEL_FAULT_ROUTES = (
    "create_instance",
    "instance_action",
    "create_backup",
    "put_instance",
    "patch_instance",
    "edit_configuration",
    "update_configuration",
    "create_ha_instance",
    "ha_action",
    "backup_action",
)


@dataclass(frozen=True)
class Respond:
    """Answer instead of the handler: a fault body for the status (or a custom body), extra headers."""

    status: int
    fault: str | None = None
    message: str | None = None
    details: str | None = None
    retry_after: Any = MISSING  # MISSING: 60 on a 413, none otherwise; None: no Retry-After even on a 413
    body: Any = MISSING
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Delay:
    """Wait (wall time, asyncio.sleep) before the request is handled; low < high draws from the scenario's seed."""

    low: float
    high: float


@dataclass(frozen=True)
class Truncate:
    """Send the answer's status, headers and full Content-Length but only `keep` bytes of body, then close."""

    keep: int | None = None  # None: half the body


@dataclass(frozen=True)
class Malformed:
    """Send the answer with a body that is not valid JSON (the real one minus its last byte, or `body`)."""

    body: str | None = None


@dataclass(frozen=True)
class ModelFault:
    """After a successful create / action the resource ends badly (build or restore in ERROR, resize keeps the old
    flavor, backup FAILED)."""

    message: str | None = None


@dataclass(frozen=True)
class Failure:
    """A database failure the rule causes as the request arrives: the source of an HA group or replication set fails
    (fail_source), or a replica breaks (break_replica). The target is `id` (a template) or the request's ha_id or
    instance_id."""

    target: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Plan:
    """The actions of one rule. Applied in this order whatever the order in the file: delay, expire_token,
    fail_source and break_replica, then respond or reset or the handler, then model_fault, then drop_answer or truncate
    or malformed."""

    delay: Delay | None = None
    expire_token: bool = False
    respond: Respond | None = None
    reset: bool = False
    model_fault: ModelFault | None = None
    fail_source: Failure | None = None
    break_replica: Failure | None = None
    drop_answer: bool = False
    truncate: Truncate | None = None
    malformed: Malformed | None = None

    @property
    def shapes_answer(self) -> bool:
        return self.drop_answer or self.truncate is not None or self.malformed is not None

    def summary(self, delay: float | None) -> str:
        """The journal's `action`: what this rule does, in the order it is done."""
        parts = []
        if self.delay is not None:
            parts.append(f"delay {delay:.3f}s")
        if self.expire_token:
            parts.append("expire_token")
        if self.fail_source is not None:
            parts.append("fail_source")
        if self.break_replica is not None:
            parts.append("break_replica")
        if self.respond is not None:
            parts.append(f"respond {self.respond.status}")
        if self.reset:
            parts.append("reset")
        if self.model_fault is not None:
            parts.append("model_fault")
        if self.drop_answer:
            parts.append("drop_answer")
        if self.truncate is not None:
            parts.append("truncate")
        if self.malformed is not None:
            parts.append("malformed")
        return ", ".join(parts)


@dataclass(frozen=True)
class Decision:
    """A fired rule for one request: who fired, the plan, the drawn delay and why it fired."""

    scenario: str
    rule: str
    plan: Plan
    delay: float | None
    note: str

    @property
    def rule_id(self) -> str:
        return f"{self.scenario}/{self.rule}"


_FIELD = re.compile(r"\{([A-Za-z_][\w.]*)\}")


def render(template: str, fields: dict) -> str:
    """Fill {name} and {body.dotted.path} from the request; unknown fields stay as written."""

    def one(m: re.Match) -> str:
        value = lookup(fields, m.group(1))
        return m.group(0) if value is MISSING else str(value)

    return _FIELD.sub(one, template)


def template_fields(request: web.Request, decision: Decision, body: Any) -> dict:
    """What a message template can use: the path parameters, method, path, route, scenario, rule and body."""
    route = getattr(request.match_info.route, "name", None)
    return {
        **request.match_info,
        "method": request.method,
        "path": request.path,
        "route": route,
        "scenario": decision.scenario,
        "rule": decision.rule,
        "body": {} if body is MISSING else body,
    }


def build_response(spec: Respond, fields: dict) -> web.Response:
    """The injected answer: the status's fault body (413: Retry-After and retryAfter/details) or a custom body."""
    headers = {name: render(value, fields) for name, value in spec.headers}
    retry_after = spec.retry_after
    if retry_after is MISSING:
        retry_after = DEFAULT_RETRY_AFTER if spec.status == 413 else None
    if spec.body is not MISSING:
        if isinstance(spec.body, str):
            response = web.Response(
                status=spec.status, body=render(spec.body, fields).encode(), content_type="text/plain"
            )
        else:
            response = web.json_response(spec.body, status=spec.status)
    elif spec.status >= 400:
        message = render(spec.message or DEFAULT_MESSAGES.get(spec.status) or _phrase(spec.status), fields)
        error: SimulatorError = error_for_status(spec.status, message, spec.fault)
        if spec.status == 413 and retry_after is not None:
            # The rate limiter's shape (errors.rate_limited): Retry-After plus retryAfter and details in the body.
            details = spec.details or f"Only 200 {fields['method']} request(s) can be made to * every minute."
            error.extra = {"details": render(details, fields), "retryAfter": str(retry_after)}
        elif spec.details:
            error.extra = {"details": render(spec.details, fields)}
        response = fault_response(error)
    else:
        response = web.Response(status=spec.status, content_type="application/json", body=b"")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    for name, value in headers.items():
        if name.lower() == "content-type":
            response.content_type = value.split(";")[0].strip()
        else:
            response.headers[name] = value
    response.headers.update(INERT)
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:  # a status without a registered phrase (499, 599, ...)
        return f"Error {status}."


class LostAnswer(web.StreamResponse):
    """What a handler returns once the connection is gone: nothing is sent (the journal shows status 0)."""

    def __init__(self) -> None:
        super().__init__(status=0)

    async def prepare(self, request):
        raise ConnectionResetError("the connection was dropped by a fault rule")


def abort_connection(request: web.Request) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0), as a crashed proxy or server would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


def body_bytes(response: web.StreamResponse) -> bytes:
    """The answer's body as bytes (empty when it has none in memory, e.g. a streamed one)."""
    body = getattr(response, "body", None)
    return bytes(body) if isinstance(body, (bytes, bytearray, memoryview)) else b""


async def send_truncated(request: web.Request, response: web.Response, keep: int | None) -> web.StreamResponse:
    """Send status, headers and the full Content-Length, then only part of the body, then close the connection."""
    body = body_bytes(response)
    keep = len(body) // 2 if keep is None else keep
    keep = max(1, min(keep, len(body) - 1))
    stream = web.StreamResponse(status=response.status, reason=response.reason)
    for name, value in response.headers.items():
        if name.lower() != "content-length":
            stream.headers.add(name, value)
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[:keep])
    if request.transport is not None:
        request.transport.close()  # a FIN after the buffered part is flushed
    return stream


def malformed_response(response: web.Response, spec: Malformed) -> web.Response:
    """The same answer with a body that does not parse as JSON (same status and headers)."""
    body = body_bytes(response)
    data = spec.body.encode() if spec.body is not None else (body[:-1] if len(body) >= 2 else b"{")
    broken = web.Response(status=response.status, reason=response.reason, body=data)
    for name, value in response.headers.items():
        if name.lower() != "content-length":
            broken.headers[name] = value
    return broken


def mark_replication_fault(backend, request: web.Request, route: str, answer: dict, message: str) -> str:
    """The HA group's operation ends in its error state, or the backup copy in COPY_ERROR."""
    if route == "backup_action":
        copy_id = backend.store.copies.newest_copy(request.match_info["backup_id"])
        if copy_id is None:
            return "model fault: no copy was made"
        backend.backups.mark_fault(copy_id)
        return f"model fault: backup copy {copy_id} ends COPY_ERROR"
    ha_id = request.match_info.get("ha_id") or lookup(answer, "ha_instance.id")
    if ha_id is MISSING or ha_id is None:
        return "model fault: no HA group in the request or the answer"
    return f"model fault: {backend.ha.mark_fault(ha_id, message)}"


def mark_model_fault(request: web.Request, response: web.StreamResponse, spec: ModelFault, fields: dict) -> str:
    """Make the resource the request created or acted on end badly; returns a note for the journal."""
    backend = request.app[BACKEND]
    route = fields["route"]
    try:
        answer = json.loads(body_bytes(response) or b"{}")
    except ValueError:
        answer = {}
    message = render(spec.message or "Fault injected by scenario {scenario} (rule {rule}).", fields)
    with backend.store.atomic():
        if route == "create_instance":
            instance_id = lookup(answer, "instance.id")
            if instance_id is MISSING:
                return "model fault: no instance id in the answer"
            backend.instances.mark_fault(instance_id, message)
            return f"model fault: instance {instance_id} ends in ERROR"
        if route == "instance_action":
            instance_id = request.match_info["instance_id"]
            backend.instances.mark_fault(instance_id, message)
            return f"model fault: the running task of instance {instance_id} ends badly"
        if route == "create_backup":
            backup_id = lookup(answer, "backup.id")
            if backup_id is MISSING:
                return "model fault: no backup id in the answer"
            backend.backups.mark_fault(backup_id)
            return f"model fault: backup {backup_id} ends FAILED"
        if route in ("create_ha_instance", "ha_action", "backup_action"):
            return mark_replication_fault(backend, request, route, answer, message)
        if route in ("put_instance", "patch_instance", "edit_configuration", "update_configuration"):
            account_id = request.match_info["account_id"]
            ids = (
                [request.match_info["instance_id"]]
                if "instance_id" in request.match_info
                else backend.configurations.attached_ids(account_id, request.match_info["configuration_id"])
            )
            failed = backend.configurations.fail(account_id, ids, message)
            return f"model fault: the configuration change leaves instance(s) {', '.join(failed) or 'none'} in ERROR"
    return f"model fault: nothing to mark on route {route}"


def cause_failure(request: web.Request, kind: str, spec: Failure, fields: dict) -> str:
    """Make the database failure happen (the backend's failures rules); returns a note for the journal."""
    target = render(spec.target, fields) if spec.target else (fields.get("ha_id") or fields.get("instance_id"))
    account_id = fields.get("account_id")
    if not target or not account_id:
        return f"{kind}: no target (give id, or match a route with an ha_id or instance_id)"
    message = render(spec.message or "Failure injected by scenario {scenario} (rule {rule}).", fields)
    scope = regions.scope(account_id, request.config_dict.get(REGION))
    backend = request.app[BACKEND]
    failures = backend.failures
    try:
        with backend.store.atomic():
            cause = failures.fail_source if kind == "fail_source" else failures.break_replica
            return f"{kind}: {cause(scope, target, message)}"
    except SimulatorError as exc:
        return f"{kind} skipped: {exc.message}"


async def wait_unless_stopping(seconds: float, stopping: asyncio.Event) -> bool:
    """An injected delay: True once it has passed, False if the server began to stop first (the request is then
    handled and answered at once, so a stop never waits out a delay: aiohttp would cancel it after SHUTDOWN_GRACE,
    unanswered and unjournalled, with the store about to close under it)."""
    if stopping.is_set():
        return False
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except asyncio.TimeoutError:
        return True
    return False


async def apply(
    decision: Decision, request: web.Request, handler, body: Any, stopping: asyncio.Event
) -> web.StreamResponse:
    """Carry out a fired rule's plan around the rest of the pipeline (see Plan for the order); `stopping` is set when
    the server begins to stop."""
    plan = decision.plan
    fields = template_fields(request, decision, body)
    notes = [decision.note]
    ctx = request[CONTEXT]
    try:
        if decision.delay and not await wait_unless_stopping(decision.delay, stopping):
            notes.append("delay cut short: the server is stopping")
        if plan.expire_token:
            account_id = fields.get("account_id")
            if account_id:
                backend = request.app[BACKEND]
                with backend.store.atomic():
                    count = backend.identity.expire_tokens(account_id)
                notes.append(f"expired {count} token(s) of account {account_id}")
        for kind, failure in (("fail_source", plan.fail_source), ("break_replica", plan.break_replica)):
            if failure is not None:
                notes.append(cause_failure(request, kind, failure, fields))
        if plan.reset:
            abort_connection(request)
            notes.append("connection reset before the request was handled")
            return LostAnswer()
        if plan.respond is not None:
            response = build_response(plan.respond, fields)
        else:
            try:
                response = await handler(request)
            except SimulatorError as exc:
                if not plan.shapes_answer:
                    raise
                response = fault_response(exc)
        if plan.model_fault is not None:
            if 200 <= response.status < 300:
                notes.append(mark_model_fault(request, response, plan.model_fault, fields))
            else:
                notes.append(f"model fault skipped: the answer was {response.status}")
        if plan.drop_answer:
            abort_connection(request)
            notes.append(f"answer {response.status} lost after the request was carried out")
            return LostAnswer()
        if plan.truncate is not None and isinstance(response, web.Response) and len(body_bytes(response)) >= 2:
            notes.append(f"body truncated ({len(body_bytes(response))} bytes announced)")
            return await send_truncated(request, response, plan.truncate.keep)
        if plan.malformed is not None and isinstance(response, web.Response):
            notes.append("body replaced with malformed JSON")
            return malformed_response(response, plan.malformed)
        if plan.truncate is not None:
            notes.append("nothing to truncate: the answer has no body")
        return response
    finally:
        ctx["note"] = "; ".join(notes)
