"""Error answers of every HTTP app: what the client is told, and what reaches the log.

- Validation errors (422) name the field path, the rule and its message, never the rejected
  value: FastAPI's own handler echoes the input (a patient's name in the response, and a
  crash when it holds a lone surrogate that JSON cannot encode).
- A database that cannot be reached answers 503 with `Retry-After`: the request did not
  happen and may be sent again.
- Anything else unexpected answers 500 with an error id; the log gets the id, the route
  template and `describe_error` (class, SQLSTATE, field paths: no values, no SQL
  parameters), and the exception goes no further, so no server traceback quotes patient data.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http.asgi import StartTracking, send_json
from shared.logsafe import describe_error

log = logging.getLogger("revcycle.http")

DATABASE_UNAVAILABLE = (
    sqlalchemy.exc.OperationalError,  # refused, reset, shut down, locked (SQLite), deadlock
    sqlalchemy.exc.InterfaceError,  # the driver lost its connection
    sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
)


def safe_text(value: object) -> str:
    """Text that JSON can carry as UTF-8 (a lone surrogate in a key becomes U+FFFD)."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors as `{loc, msg, type}`: field path and rule, no input values."""
    details = []
    for error in errors:
        loc = [p if isinstance(p, int) else safe_text(p) for p in error.get("loc", ())]
        details.append(
            {
                "loc": loc,
                "msg": safe_text(error.get("msg", "")),
                "type": safe_text(error.get("type", "value_error")),
            }
        )
    return details


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": validation_details(exc.errors())},
    )


def database_unavailable_handler(retry_after_seconds: int) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        log.warning(
            "database unavailable during %s %s: %s",
            request.method,
            route_template(request.scope),
            describe_error(exc),
        )
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={
                "detail": "the database is unavailable; nothing was changed, retry later",
            },
            headers={"Retry-After": str(retry_after_seconds)},
        )

    return handler


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/claims/{claim_id}`), never the concrete path:
    concrete paths carry claim and patient account numbers."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "<unmatched route>"


class ServerErrorGuard:
    """Outermost middleware: an exception that escaped every handler becomes a plain 500.

    Starlette's own error middleware re-raises after answering, so the server would log the
    traceback with the exception's message (which may quote a row of patient data); here the
    log gets only the safe description and the exception stops.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_send = StartTracking(send)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the last line of defence, by design
            error_id = uuid.uuid4().hex
            log.error(
                "unhandled error %s in %s %s at %s: %s",
                error_id,
                scope.get("method", "?"),
                route_template(scope),
                _innermost_frame(exc),
                describe_error(exc),
            )
            if tracking_send.started:
                return  # the answer is under way; the connection ends with what was sent
            await send_json(
                send,
                status.HTTP_500_INTERNAL_SERVER_ERROR,
                {"detail": "internal error", "error_id": error_id},
            )


def _innermost_frame(exc: BaseException) -> str:
    traceback = exc.__traceback__
    if traceback is None:
        return "?"
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    code = traceback.tb_frame.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{traceback.tb_lineno} ({code.co_name})"


def install_error_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    unavailable = database_unavailable_handler(retry_after_seconds)
    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)
