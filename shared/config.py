"""Settings base shared by every service; read through cached get_settings(), never at import."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"
"""The built-in token secret: fine on a laptop (embedded default), refused anywhere else."""

DEV_PSEUDONYM_KEY = "dev-only-reporting-key-change-me"
"""The built-in key of the reporting topic's pseudonyms: refused outside the embedded default."""

DEFAULT_MAX_MESSAGE_BYTES = 1_048_576
"""One Kafka record at most (1 MiB): the relay's limit, the producer's max_request_size, the
broker's message.max.bytes and every event topic's max.message.bytes (see README)."""

_DEPLOYMENT = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")


class InsecureSettingsError(RuntimeError):
    """A service outside the embedded default was given a built-in development secret."""


class BaseServiceSettings(BaseSettings):
    """Environment-driven settings. Unset DATABASE_URL means the embedded SQLite default."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = ""
    kafka_bootstrap_servers: str = ""
    data_dir: Path = REPO_ROOT / "var"
    samples_dir: Path = REPO_ROOT.parent / "shared" / "samples"
    organization_id: str = "demo-org"
    # Token verification: HS256 shared secret by default; RS256 public key when set.
    auth_jwt_secret: str = DEV_JWT_SECRET
    auth_jwt_public_key: str = ""
    auth_jwt_algorithm: str = "HS256"
    auth_jwt_audience: str = "revcycle"
    # HTTP: request bodies above this many bytes are refused with 413 before they are read
    # whole (kept well below the producer's and broker's message size: docs/api-limits.md);
    # Retry-After of the 503 answered while the database is unreachable.
    http_max_body_bytes: int = 524_288
    http_retry_after_seconds: int = 5
    # REVCYCLE_DEPLOYMENT: prefixes every Kafka topic and consumer group ("staging" ->
    # "staging.revcycle.claim-events.v1"), so deployments sharing a cluster never meet.
    revcycle_deployment: str = ""

    @field_validator("revcycle_deployment")
    @classmethod
    def _deployment_name(cls, value: str) -> str:
        if value and not _DEPLOYMENT.fullmatch(value):
            raise ValueError(
                "REVCYCLE_DEPLOYMENT must be 1 to 40 lowercase letters, digits or hyphens, "
                "starting and ending with a letter or digit"
            )
        return value

    @property
    def embedded(self) -> bool:
        """True when no DATABASE_URL is given: one process, SQLite, event table as the log."""
        return not self.database_url

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'revcycle.sqlite'}"

    @property
    def x12_samples_dir(self) -> Path:
        return self.samples_dir / "x12"

    @property
    def kafka_prefix(self) -> str:
        """What every topic name and consumer group id starts with ('' without a deployment)."""
        return f"{self.revcycle_deployment}." if self.revcycle_deployment else ""

    def kafka_name(self, canonical: str) -> str:
        """A topic's or consumer group's name on the broker for this deployment."""
        return f"{self.kafka_prefix}{canonical}"

    def check_secrets(self, *, tokens: bool = True, pseudonym_key: str | None = None) -> None:
        """Refuse the built-in development secrets outside the embedded default.

        `tokens`: the service verifies bearer tokens (AUTH_JWT_SECRET); `pseudonym_key` is
        passed by services that pseudonymise (the relay). Raises InsecureSettingsError
        naming every setting to change.
        """
        if self.embedded:
            return
        problems = []
        if tokens and self.auth_jwt_algorithm == "HS256" and self.auth_jwt_secret == DEV_JWT_SECRET:
            problems.append(
                "AUTH_JWT_SECRET is the built-in development secret: set your own "
                "(32 random bytes or more), or AUTH_JWT_PUBLIC_KEY with AUTH_JWT_ALGORITHM=RS256"
            )
        if pseudonym_key is not None and pseudonym_key == DEV_PSEUDONYM_KEY:
            problems.append(
                "REPORTING_PSEUDONYM_KEY is the built-in development key: set your own "
                "(32 random bytes or more); it keys the reporting topic's pseudonyms"
            )
        if problems:
            raise InsecureSettingsError(
                "refusing to start outside the embedded default (DATABASE_URL is set): "
                + "; ".join(problems)
            )


class KafkaSettings(BaseServiceSettings):
    """Kafka client settings shared by the relay and the workers (KAFKA_* in the environment)."""

    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1
    kafka_max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    # A member that stops heartbeating loses its partitions after this long; with
    # WORKER_INSTANCE (static membership) a restarted worker takes them straight back.
    kafka_session_timeout_ms: int = 10_000
    worker_instance: str = ""
    max_poll_records: int = 500
    # An event held for a missing stream version is dead-lettered ("gap") after this long.
    subscription_gap_timeout_s: float = 120.0


@lru_cache
def get_settings() -> BaseServiceSettings:
    return BaseServiceSettings()
