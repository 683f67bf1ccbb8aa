"""HTTP hardening shared by every service's app: body limit, safe errors, 503 on outages.

`harden(app, settings)` installs all of it; each service's `create_app` and the embedded
all-in-one app call it once.
"""

from __future__ import annotations

from fastapi import FastAPI

from shared.config import BaseServiceSettings
from shared.http.body_limit import BodyLimitMiddleware
from shared.http.errors import ServerErrorGuard, install_error_handlers

__all__ = ["harden"]


def harden(app: FastAPI, settings: BaseServiceSettings) -> None:
    install_error_handlers(app, retry_after_seconds=settings.http_retry_after_seconds)
    # add_middleware puts the last one outermost: the guard wraps the body limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.http_max_body_bytes)
    app.add_middleware(ServerErrorGuard)
