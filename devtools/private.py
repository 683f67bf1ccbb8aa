"""Private PostgreSQL and Kafka servers for tests that kill them (outages), never the shared ones.

`PrivateServers(folder)` starts a cluster and a broker of their own, on free ports, with
their data under `folder`; `kill_postgres()` / `kill_kafka()` send SIGKILL, `restart_*()`
brings them back on the same ports and data, and `destroy()` stops both and removes their
folders. Starting a broker costs 15 to 60 s on a small machine: share one per test module.
"""

from __future__ import annotations

import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from devtools.common import InfraError, Progress, stderr_progress
from devtools.kafka import LocalKafka
from devtools.postgres import LocalPostgres


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks; closed again at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivateServers:
    folder: Path
    progress: Progress = stderr_progress
    postgres: LocalPostgres = field(init=False)
    kafka: LocalKafka = field(init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.postgres = LocalPostgres(self.progress, home=self.folder, port=free_port())
        self.kafka = LocalKafka(
            self.progress, home=self.folder, port=free_port(), controller_port=free_port()
        )

    @property
    def postgres_admin_url(self) -> str:
        return self.postgres.admin_url

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.address

    def start(self) -> None:
        self.postgres.up()
        self.kafka.up()

    def kill_postgres(self) -> int:
        return self.postgres.kill()

    def kill_kafka(self) -> int:
        return self.kafka.kill()

    def restart_postgres(self, attempts: int = 10) -> None:
        # Backends of the killed postmaster may hold its shared memory for a moment.
        for attempt in range(1, attempts + 1):
            try:
                self.postgres.up()
                return
            except InfraError:
                if attempt == attempts:
                    raise
                time.sleep(1.0)

    def restart_kafka(self) -> None:
        self.kafka.up()

    def destroy(self) -> None:
        """Stop both (if running) and remove their folders."""
        for server in (self.kafka, self.postgres):
            try:
                server.down()
            except InfraError as exc:
                self.progress(f"could not stop {server.name}: {exc}")
        shutil.rmtree(self.postgres.root, ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)
