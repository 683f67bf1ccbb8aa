"""Settings base shared by every service; read through cached get_settings(), never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class BaseServiceSettings(BaseSettings):
    """Environment-driven settings. Unset DATABASE_URL means the embedded SQLite default."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = ""
    kafka_bootstrap_servers: str = ""
    data_dir: Path = REPO_ROOT / "var"
    samples_dir: Path = REPO_ROOT.parent / "shared" / "samples"
    organization_id: str = "demo-org"
    # Token verification: HS256 shared secret by default; RS256 public key when set.
    auth_jwt_secret: str = "dev-only-secret-change-me-0123456789abcdef"
    auth_jwt_public_key: str = ""
    auth_jwt_algorithm: str = "HS256"
    auth_jwt_audience: str = "revcycle"
    # HTTP: request bodies above this many bytes are refused with 413 before they are read
    # whole (kept well below the producer's and broker's message size: docs/api-limits.md);
    # Retry-After of the 503 answered while the database is unreachable.
    http_max_body_bytes: int = 524_288
    http_retry_after_seconds: int = 5

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


@lru_cache
def get_settings() -> BaseServiceSettings:
    return BaseServiceSettings()
