"""A PostgreSQL cluster and a Kafka broker of this module's own, on free ports, for kill -9.

Never the shared servers: other suites use those. Under CI=true a server that cannot be
started fails the tests; elsewhere it skips them with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devtools.common import InfraError
from devtools.private import PrivateServers
from devtools.resolve import unavailable_action


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServers]:
    private = PrivateServers(tmp_path_factory.mktemp("outage-servers"))
    try:
        private.start()
    except (InfraError, OSError) as exc:
        private.destroy()
        reason = f"private PostgreSQL/Kafka for outage tests could not start: {exc}"
        if unavailable_action(os.environ) == "fail":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield private
    finally:
        private.destroy()
