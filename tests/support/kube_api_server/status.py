"""Kubernetes `Status` errors: what every non-2xx answer of the API server looks like.

Clients parse these bodies (the Python client puts them in `ApiException.body`, kubectl prints
`message`), so a test server that answered plain text would hide the error handling that real
clusters exercise.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

# The `reason` the real API server pairs with each code (k8s.io/apimachinery metav1.StatusReason).
REASONS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


# Who the server says was refused: the product's service account, as under its Helm RBAC.
TEST_USER = "system:serviceaccount:sre:sre-orchestrator"


class ApiError(Exception):
    """Raised anywhere in a handler; the app turns it into a Status response."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.details, self.headers = code, message, details, headers

    @classmethod
    def not_found(cls, resource: str, group: str, name: str) -> ApiError:
        # The real server names the resource group-qualified ("deployments.apps") in the message.
        qualified = f"{resource}.{group}" if group else resource
        return cls(404, f'{qualified} "{name}" not found', details=_details(resource, group, name))

    @classmethod
    def forbidden(cls, verb: str, resource: str, group: str, namespace: str | None, name: str | None) -> ApiError:
        subject = f'{resource} "{name}"' if name else resource
        scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        message = (
            f'{subject} is forbidden: User "{TEST_USER}" cannot {verb} resource "{resource}" '
            f'in API group "{group}"{scope}'
        )
        return cls(403, message, details=_details(resource, group, name))

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, message)

    def response(self) -> JSONResponse:
        return status_response(self.code, self.message, details=self.details, headers=self.headers)


def _details(resource: str, group: str, name: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"kind": resource}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    return details


def status_body(code: int, message: str, *, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": REASONS.get(code, "Unknown"),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def status_response(
    code: int,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(status_body(code, message, details=details), status_code=code, headers=headers)
