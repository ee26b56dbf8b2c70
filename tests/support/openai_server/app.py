"""The Starlette app: `POST /v1/chat/completions` answering from a script, recording every request."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with `answer`, `raw`, `error` (and `delay_seconds` for a slow one)."""

    status: int = 200
    content: str = ""
    delay_seconds: float = 0.0
    retry_after_seconds: float | None = None
    message: str = ""


def answer(fields: dict[str, Any], *, delay_seconds: float = 0.0) -> Reply:
    """The assistant's message content is `fields` as JSON: a structured-output answer."""
    return Reply(content=json.dumps(fields), delay_seconds=delay_seconds)


def raw(content: str, *, delay_seconds: float = 0.0) -> Reply:
    """The assistant's message content exactly as given (e.g. not JSON at all)."""
    return Reply(content=content, delay_seconds=delay_seconds)


def error(
    status: int,
    *,
    retry_after_seconds: float | None = None,
    message: str = "scripted failure",
    delay_seconds: float = 0,
) -> Reply:
    """An OpenAI-style error body; with `retry_after_seconds`, `Retry-After` and `retry-after-ms` headers."""
    return Reply(status=status, message=message, retry_after_seconds=retry_after_seconds, delay_seconds=delay_seconds)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: float = field(default_factory=time.monotonic)

    @property
    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None

    @property
    def prompt(self) -> str:
        """Every message's text, joined: what the model was asked."""
        messages = self.body.get("messages", []) if isinstance(self.body, dict) else []
        return "\n".join(m["content"] for m in messages if isinstance(m.get("content"), str))


Responder = Callable[[RecordedRequest], Reply]


class Script:
    """Replies handed out in order, and the requests that took them; shared with the server thread.

    With a `responder`, a request finding no scripted reply is answered by calling it (benchmarks
    answer many investigations this way, each from what its prompt says).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self.responder: Responder | None = None

    def add(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def next_reply(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return self.responder(request) if self.responder else None

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def unused(self) -> int:
        with self._lock:
            return len(self._replies)

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self._requests.clear()
            self.responder = None


def _error_body(status: int, message: str) -> dict[str, Any]:
    kind = {401: "invalid_request_error", 429: "rate_limit_exceeded"}.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def rough_tokens(text: str) -> int:
    """What the server reports as usage: about 4 characters a token, as GPT tokenizers average on English."""
    return math.ceil(len(text) / 4)


def _completion(number: int, model: str, content: str, prompt: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-test-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": rough_tokens(prompt),
            "completion_tokens": rough_tokens(content),
            "total_tokens": rough_tokens(prompt) + rough_tokens(content),
        },
    }


async def _answer_late(request: Request, seconds: float) -> bool:
    """Wait `seconds`; False as soon as the client gives up (a timeout), so no handler outlives its client."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            return False
        await asyncio.sleep(min(remaining, 0.02))
    return True


def build_app(script: Script, api_key: str) -> Starlette:
    numbers = itertools.count(1)

    async def record(request: Request) -> RecordedRequest:
        raw_body = await request.body()
        try:
            body: Any = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body.decode("utf-8", "replace")
        recorded = RecordedRequest(request.method, request.url.path, dict(request.headers), body)
        script.record(recorded)
        return recorded

    async def chat_completions(request: Request) -> JSONResponse:
        recorded = await record(request)
        if recorded.bearer_token != api_key:
            return JSONResponse(_error_body(401, "Incorrect API key provided."), status_code=401)
        body = recorded.body if isinstance(recorded.body, dict) else {}
        if "model" not in body or not isinstance(body.get("messages"), list):
            return JSONResponse(_error_body(400, "'model' and 'messages' are required"), status_code=400)
        if body.get("stream"):
            return JSONResponse(_error_body(400, "the test server does not stream"), status_code=400)
        reply = script.next_reply(recorded)
        if reply is None:
            return JSONResponse(_error_body(400, "the test has no reply scripted for this request"), status_code=400)
        if not await _answer_late(request, reply.delay_seconds):
            return JSONResponse({}, status_code=499)  # nobody is listening any more
        if reply.status != 200:
            headers = {}
            if reply.retry_after_seconds is not None:
                # Both, as OpenAI sends them: clients prefer the precise one.
                headers["retry-after"] = str(math.ceil(reply.retry_after_seconds))
                headers["retry-after-ms"] = str(round(reply.retry_after_seconds * 1000))
            return JSONResponse(_error_body(reply.status, reply.message), status_code=reply.status, headers=headers)
        return JSONResponse(_completion(next(numbers), body["model"], reply.content, recorded.prompt))

    async def not_found(request: Request) -> JSONResponse:
        await record(request)  # so a test sees a call it did not expect
        return JSONResponse(_error_body(404, f"no route {request.url.path}"), status_code=404)

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )
