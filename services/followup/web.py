"""The follow-up page: static assets shipped in the package, served at /app/ by follow-up.

No CDN and no build step: plain HTML, CSS and JavaScript (charts are SVG drawn by the
script). The page signs in with a bearer token and calls the same API as everyone else.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

ASSETS = Path(__file__).resolve().parent / "web_assets"


def install_page(app: FastAPI) -> None:
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    app.mount("/app", StaticFiles(directory=ASSETS, html=True), name="followup-page")

    @app.get("/app", include_in_schema=False)
    def _page() -> RedirectResponse:
        return RedirectResponse("/app/")
