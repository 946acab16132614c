"""Every error the fake API returns: a fault name and status, rendered in one place (error_middleware)."""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of all API errors; rendered as {fault: {"code": status, "message": message}}."""

    fault = "instanceFault"
    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict:
        """The fault body as the real service writes it."""
        inner = {"code": self.status, "message": self.message}
        inner.update(self.extra)
        return {self.fault: inner}


class BadRequest(SimulatorError):
    fault, status = "badRequest", 400


class Unauthorized(SimulatorError):
    fault, status = "unauthorized", 401


class Forbidden(SimulatorError):
    fault, status = "forbidden", 403


class ItemNotFound(SimulatorError):
    fault, status = "itemNotFound", 404


class BadMethod(SimulatorError):
    fault, status = "badMethod", 405


class Conflict(SimulatorError):
    fault, status = "conflict", 409


class OverLimit(SimulatorError):
    fault, status = "overLimit", 413


class BadMediaType(SimulatorError):
    fault, status = "badMediaType", 415


class UnprocessableEntity(SimulatorError):
    fault, status = "unprocessableEntity", 422


class InstanceFault(SimulatorError):
    fault, status = "instanceFault", 500


class NotImplementedFault(SimulatorError):
    fault, status = "notImplemented", 501


class ServiceUnavailable(SimulatorError):
    fault, status = "serviceUnavailable", 503


def not_found(resource_id: str) -> ItemNotFound:
    """Trove's generic not-found message."""
    return ItemNotFound(f"Resource {resource_id} cannot be found.")


def rate_limited(retry_after: int, details: str) -> OverLimit:
    """A rate-limit 413: Retry-After header plus retryAfter and details in the body."""
    return OverLimit(
        "This request was rate-limited.",
        headers={"Retry-After": str(retry_after)},
        extra={"details": details, "retryAfter": str(retry_after)},
    )


#: Fault name for each status, for faults built from a bare status (scenarios, aiohttp's own errors).
FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    408: "requestTimeout",
    409: "conflict",
    413: "overLimit",
    415: "badMediaType",
    422: "unprocessableEntity",
    500: "instanceFault",
    501: "notImplemented",
    502: "badGateway",
    503: "serviceUnavailable",
    504: "gatewayTimeout",
}

_CLASSES = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        ItemNotFound,
        BadMethod,
        Conflict,
        OverLimit,
        BadMediaType,
        UnprocessableEntity,
        InstanceFault,
        NotImplementedFault,
        ServiceUnavailable,
    )
}


def error_for_status(status: int, message: str, fault: str | None = None) -> SimulatorError:
    """An error of the class that matches status (a generic one for statuses without a class)."""
    cls: type[SimulatorError] | None = _CLASSES.get(status)
    if cls is None or (fault and fault != cls.fault):
        cls = type(
            "CustomFault", (SimulatorError,), {"status": status, "fault": fault or FAULT_NAMES.get(status, "fault")}
        )
    return cls(message)
