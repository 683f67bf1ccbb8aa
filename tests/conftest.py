"""Root test configuration: real-server fixtures come from devtools.pytest_plugin.

Fixtures every area may use (names are stable):
- kafka_bootstrap_servers (session) -> "host:port" of a real Kafka broker
- postgres_server_url (session) -> admin URL postgresql+psycopg://.../postgres
- postgres_url (module) -> URL of a fresh, empty database, dropped after the module
- new_topic (function) -> factory new_topic(partitions=3, configs=None) -> topic name,
  deleted after the test
Servers start only when a test requests one of these; such tests are marked `integration`.

testsupport.pyx12_837_check: pyx12 judges every 837 our writer produces in the test
process; a test writing an invalid one fails unless marked `invalid_837(reason)`.
"""

pytest_plugins = ("devtools.pytest_plugin", "testsupport.pyx12_837_check")
