"""Small ASGI pieces the HTTP middlewares share: knowing whether an answer has started, and
sending a JSON answer from outside the app."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.types import Message, Send


class StartTracking:
    """A `send` that remembers whether the response has begun (then no other answer fits)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


async def send_json(
    send: Send, status_code: int, content: Any, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
