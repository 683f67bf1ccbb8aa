"""Fixtures of the channels' integration tests: the embedded composition on real PostgreSQL.

The unit tests' helpers (tokens, R4 examples, HL7 messages, eligibility helpers) live in
tests/unit/intake_channels; they are put on the path here, once, for these modules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "intake_channels"))

from channel_helpers import SECRET  # type: ignore[import-not-found]  # noqa: E402

from revcycle.embedded import Embedded, build_embedded_app  # noqa: E402
from shared.config import BaseServiceSettings  # noqa: E402


@pytest.fixture
def settings(postgres_url: str, tmp_path: Path) -> BaseServiceSettings:
    return BaseServiceSettings(
        data_dir=tmp_path,
        database_url=postgres_url,
        kafka_bootstrap_servers="",
        auth_jwt_secret=SECRET,
    )


@pytest.fixture
def services(settings: BaseServiceSettings) -> Iterator[Embedded]:
    """Every service on the module's PostgreSQL database, subscriptions not running."""
    app = build_embedded_app(settings, run_subscriptions=False)
    yield app.embedded
    app.engine.dispose()
