"""Local Kafka and PostgreSQL for development and tests: start, stop, status, resolution."""

from devtools.common import InfraError, ServerStatus
from devtools.kafka import KAFKA_BOOTSTRAP, LocalKafka
from devtools.postgres import POSTGRES_ADMIN_URL, LocalPostgres

__all__ = [
    "InfraError",
    "KAFKA_BOOTSTRAP",
    "LocalKafka",
    "LocalPostgres",
    "POSTGRES_ADMIN_URL",
    "ServerStatus",
]
