"""Request bodies read with a size cap, shared by the REST API and the web UI's forms.

The cap holds with or without a Content-Length: a body is refused as soon as it grows past it,
so a client cannot make the server buffer more than the limit.
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(ValueError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


def media_type(request: Request) -> str:
    """The request's Content-Type without parameters, lowercased ('' when none was sent)."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body; BodyTooLarge once it is known to exceed `max_bytes`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(max_bytes)
    return bytes(body)
