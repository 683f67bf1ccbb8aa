"""Request body limit: bodies over the configured size are refused with 413 before they are read.

A pure ASGI middleware. A declared `Content-Length` over the limit is answered at once,
without reading a byte of the body; a body without one (chunked) is counted as it streams
and refused as soon as it passes the limit, so nothing larger than the limit is ever held
in memory or reaches a route. The limit keeps every accepted claim well inside the event
size the relay and Kafka carry (docs/api-limits.md).

A route that streams its body elsewhere (e.g. `POST /v1/batches/837` spools an X12 file to
disk) declares its own limit in `app.state.body_limits[(method, path)]`; it replaces the
app's limit for that route only, enforced the same way.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.asgi import StartTracking, send_json


class RequestTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (FastAPI re-raises it as is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail=too_large_detail(limit))


def too_large_detail(limit: int) -> str:
    return f"request body is larger than {limit} bytes; split the submission"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("the request body limit must be at least 1 byte")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = _route_limit(scope) or self.max_bytes
        declared = _content_length(scope)
        if declared == -1:
            await _answer(send, status.HTTP_400_BAD_REQUEST, "Content-Length is not a number")
            return
        if declared is not None and declared > limit:
            await _answer(send, status.HTTP_413_CONTENT_TOO_LARGE, too_large_detail(limit))
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        tracking_send = StartTracking(send)
        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestTooLarge:
            # Read outside a route (a middleware, a dependency): answer here if still possible.
            if tracking_send.started:
                raise
            await _answer(send, status.HTTP_413_CONTENT_TOO_LARGE, too_large_detail(limit))


def _route_limit(scope: Scope) -> int | None:
    """The limit a route declared for itself in `app.state.body_limits` (module docstring)."""
    limits = getattr(getattr(scope.get("app"), "state", None), "body_limits", None)
    if not limits:
        return None
    limit: int | None = limits.get((scope.get("method"), scope.get("path")))
    return limit


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else -1
    return None


async def _answer(send: Send, status_code: int, detail: str) -> None:
    # The unread body is still on the wire: the connection cannot be reused.
    await send_json(send, status_code, {"detail": detail}, [(b"connection", b"close")])
