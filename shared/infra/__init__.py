"""Local Kafka and PostgreSQL for development and tests: start, stop, status, resolution."""

from shared.infra.common import InfraError, ServerStatus
from shared.infra.kafka import KAFKA_BOOTSTRAP, LocalKafka
from shared.infra.postgres import POSTGRES_ADMIN_URL, LocalPostgres

__all__ = [
    "InfraError",
    "KAFKA_BOOTSTRAP",
    "LocalKafka",
    "LocalPostgres",
    "POSTGRES_ADMIN_URL",
    "ServerStatus",
]
