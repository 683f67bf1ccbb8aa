"""Where tests find Kafka and PostgreSQL: env vars, else testcontainers, else local servers."""

from __future__ import annotations

import http.client
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from devtools.common import InfraError, Progress, stderr_progress

Kind = Literal["kafka", "postgres"]
ENV_VARS: dict[Kind, str] = {
    "kafka": "KAFKA_BOOTSTRAP_SERVERS",
    "postgres": "DATABASE_URL",
}
# auto: env, then testcontainers when a Docker engine answers, then local servers.
# local: env, then local servers (never probe Docker). docker: env, then testcontainers only.
MODE_VAR = "REVCYCLE_TEST_INFRA"
MODES = ("auto", "local", "docker")


@dataclass(frozen=True)
class Resolved:
    """A server address (value) and where it came from, or why none could be had."""

    kind: Kind
    value: str | None
    source: str
    reason: str = ""
    cleanup: Callable[[], None] | None = field(default=None, compare=False)

    @property
    def available(self) -> bool:
        return self.value is not None


def is_ci(env: Mapping[str, str]) -> bool:
    """True under CI=true (or 1/yes): unavailable servers fail the run instead of skipping."""
    return env.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable_action(env: Mapping[str, str]) -> Literal["fail", "skip"]:
    return "fail" if is_ci(env) else "skip"


def normalize_postgres_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg 3 driver, whatever spelling the user exported."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise InfraError(
        f"DATABASE_URL must be a PostgreSQL URL (postgresql://...), got scheme "
        f"{url.split(':', 1)[0]!r}"
    )


def docker_engine_answers(env: Mapping[str, str], timeout_s: float = 2.0) -> bool:
    """True when a Docker engine replies to GET /_ping (a `docker` CLI alone is not enough)."""
    host = env.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    parsed = urlparse(host)
    try:
        if parsed.scheme == "unix":
            path = parsed.path
            if not Path(path).exists():
                return False
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                sock.connect(path)
                sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
                reply = sock.recv(256)
            return reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n", 1)[0]
        if parsed.scheme in {"tcp", "http"} and parsed.hostname:
            conn = http.client.HTTPConnection(
                parsed.hostname, parsed.port or 2375, timeout=timeout_s
            )
            try:
                conn.request("GET", "/_ping")
                return conn.getresponse().status == 200
            finally:
                conn.close()
    except OSError:
        return False
    return False


def start_container(kind: Kind) -> Resolved:
    """Start a throwaway container with testcontainers (optional extra, imported lazily)."""
    try:
        if kind == "kafka":
            from testcontainers.kafka import KafkaContainer  # type: ignore[import-not-found,unused-ignore]

            kafka = KafkaContainer().with_kraft()
            kafka.start()
            return Resolved(kind, kafka.get_bootstrap_server(), "testcontainers", "", kafka.stop)
        from testcontainers.postgres import PostgresContainer  # type: ignore[import-not-found,unused-ignore]

        postgres = PostgresContainer("postgres:16-alpine", driver="psycopg")
        postgres.start()
        url = normalize_postgres_url(postgres.get_connection_url())
        return Resolved(kind, url, "testcontainers", "", postgres.stop)
    except ImportError:
        return Resolved(
            kind,
            None,
            "testcontainers",
            "testcontainers is not installed (pip install '.[containers]')",
        )
    except Exception as exc:  # noqa: BLE001 - any container failure means "try the next way"
        return Resolved(kind, None, "testcontainers", f"testcontainers failed: {exc}")


def start_local(kind: Kind, progress: Progress = stderr_progress) -> Resolved:
    """Use (starting if needed) the project's local server from devtools."""
    from devtools.kafka import LocalKafka
    from devtools.postgres import LocalPostgres

    try:
        if kind == "kafka":
            kafka = LocalKafka(progress)
            kafka.up()
            return Resolved(kind, kafka.address, "local")
        postgres = LocalPostgres(progress)
        postgres.up()
        return Resolved(kind, postgres.admin_url, "local")
    except InfraError as exc:
        return Resolved(kind, None, "local", f"local {kind} could not be started: {exc}")
    except OSError as exc:
        return Resolved(kind, None, "local", f"local {kind} could not be started: {exc}")


def resolve_server(
    kind: Kind,
    env: Mapping[str, str],
    *,
    docker_answers: Callable[[Mapping[str, str]], bool] = docker_engine_answers,
    container: Callable[[Kind], Resolved] = start_container,
    local: Callable[[Kind], Resolved] = start_local,
) -> Resolved:
    """Resolve one server in the documented order; never raises, says why when unavailable."""
    variable = ENV_VARS[kind]
    configured = env.get(variable, "").strip()
    if configured:
        try:
            value = normalize_postgres_url(configured) if kind == "postgres" else configured
        except InfraError as exc:
            return Resolved(kind, None, f"env:{variable}", str(exc))
        return Resolved(kind, value, f"env:{variable}")

    mode = env.get(MODE_VAR, "auto").strip().lower() or "auto"
    if mode not in MODES:
        return Resolved(kind, None, MODE_VAR, f"{MODE_VAR}={mode!r}; expected one of {MODES}")
    reasons: list[str] = []
    if mode in ("auto", "docker"):
        if docker_answers(env):
            found = container(kind)
            if found.available:
                return found
            reasons.append(found.reason)
        else:
            reasons.append("no Docker engine answers")
    if mode in ("auto", "local"):
        found = local(kind)
        if found.available:
            return found
        reasons.append(found.reason)
    return Resolved(
        kind,
        None,
        "none",
        f"{kind} unavailable ({variable} unset; " + "; ".join(reasons) + ")",
    )


def admin_conninfo(url: str) -> str:
    """A libpq URI (no SQLAlchemy driver suffix) for psycopg.connect."""
    return "postgresql://" + normalize_postgres_url(url)[len("postgresql+psycopg://") :]


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database (query string kept)."""
    normalized = normalize_postgres_url(url)
    head, sep, query = normalized.partition("?")
    scheme, rest = head.split("://", 1)
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{database}" + (sep + query if sep else "")


def environment() -> Mapping[str, str]:
    """The process environment, read when called (never at import)."""
    return os.environ
