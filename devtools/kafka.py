"""A single-node Apache Kafka broker (KRaft) run from Maven Central jars with Java 17."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from devtools.common import (
    REPO_ROOT,
    InfraError,
    Progress,
    ServerStatus,
    cache_dir,
    exclusive_lock,
    infra_dir,
    pid_alive,
    port_open,
    process_cmdline,
    read_pid,
    run_with_heartbeat,
    stderr_progress,
    tail_file,
)

KAFKA_HOST = "127.0.0.1"
KAFKA_PORT = 19092  # default; REVCYCLE_KAFKA_PORT overrides (e.g. a second checkout)
KAFKA_CONTROLLER_PORT = 19093  # default; REVCYCLE_KAFKA_CONTROLLER_PORT overrides
KAFKA_BOOTSTRAP = f"{KAFKA_HOST}:{KAFKA_PORT}"
POM_DIR = REPO_ROOT / "deploy" / "local" / "kafka"
BROKER_MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL_CLASS = "kafka.tools.StorageTool"
HEAP = "-Xmx512m"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0


def kafka_version(pom: Path = POM_DIR / "pom.xml") -> str:
    """The broker version pinned in deploy/local/kafka/pom.xml."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text())
    if not match:
        raise InfraError(f"{pom} does not pin <kafka.version>")
    return match.group(1).strip()


def kafka_healthy(bootstrap: str = KAFKA_BOOTSTRAP, timeout_s: float = 10.0) -> bool:
    """Health check: a kafka-python admin client connects and lists topics."""
    host, _, port = bootstrap.rpartition(":")
    if not port_open(host or KAFKA_HOST, int(port)):
        return False
    # Imported late: `revcycle --help` should stay fast. kafka-python ships no type hints.
    from kafka import KafkaAdminClient  # type: ignore[import-untyped,unused-ignore]
    from kafka.errors import KafkaError  # type: ignore[import-untyped,unused-ignore]

    # kafka-python logs connection failures at ERROR while the broker is still starting.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    client = None
    try:
        client = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=int(timeout_s * 1000),
            client_id="revcycle-infra-health",
        )
        client.list_topics()
        return True
    except (KafkaError, OSError, ValueError):
        return False
    finally:
        if client is not None:
            client.close()
        logging.getLogger("kafka").setLevel(logging.NOTSET)


class LocalKafka:
    """Start, stop and inspect the project's local broker; state lives under infra_dir()/kafka."""

    name = "kafka"

    def __init__(
        self,
        progress: Progress = stderr_progress,
        *,
        home: Path | None = None,
        port: int | None = None,
        controller_port: int | None = None,
    ) -> None:
        """`home`/`port`/`controller_port` make a private broker (outage tests); by default
        the folder is infra_dir() and the ports come from the environment or the defaults."""
        self.progress = progress
        self.version = kafka_version()
        self.home = home or infra_dir()
        self.root = self.home / "kafka"
        self.data_dir = self.root / "data"
        self.log_dir = self.root / "logs"
        self.config_dir = self.root / "config"
        self.pid_file = self.root / "kafka.pid"
        self.port = port or int(os.environ.get("REVCYCLE_KAFKA_PORT", KAFKA_PORT))
        self.controller_port = controller_port or int(
            os.environ.get("REVCYCLE_KAFKA_CONTROLLER_PORT", KAFKA_CONTROLLER_PORT)
        )
        pom_hash = hashlib.sha256((POM_DIR / "pom.xml").read_bytes()).hexdigest()[:10]
        # Keyed by version and pom content, so a changed pom resolves a fresh classpath.
        self.lib_dir = cache_dir() / f"kafka-{self.version}-{pom_hash}" / "lib"

    @property
    def address(self) -> str:
        return f"{KAFKA_HOST}:{self.port}"

    # ----------------------------------------------------------------- status
    def _our_pid(self) -> int | None:
        pid = read_pid(self.pid_file)
        if pid and pid_alive(pid) and BROKER_MAIN_CLASS in process_cmdline(pid):
            return pid
        return None

    def status(self) -> ServerStatus:
        pid = self._our_pid()
        if pid and kafka_healthy(self.address):
            return ServerStatus(self.name, True, pid, self.address, f"logs in {self.log_dir}")
        if pid:
            return ServerStatus(self.name, False, pid, self.address, "process up, not healthy yet")
        if kafka_healthy(self.address):
            return ServerStatus(
                self.name, True, None, self.address, "answering, but not started from this folder"
            )
        if port_open(KAFKA_HOST, self.port):
            return ServerStatus(
                self.name, False, None, self.address, f"port {self.port} taken by something else"
            )
        return ServerStatus(self.name, False, None, self.address, "not running")

    # ------------------------------------------------------------------- up
    def up(self) -> ServerStatus:
        """Start the broker unless a healthy one already answers; idempotent."""
        with exclusive_lock(self.home / ".kafka.lock"):
            pid = self._our_pid()
            if pid and kafka_healthy(self.address):
                self.progress(f"kafka already running (pid {pid}) at {self.address}")
                return self.status()
            if pid:
                # Our process is alive but not answering: give it the start timeout once.
                self.progress(f"kafka pid {pid} is up but not healthy yet; waiting")
                self._wait_healthy(pid)
                return self.status()
            if kafka_healthy(self.address):
                self.progress(f"a Kafka broker already answers at {self.address}; reusing it")
                return self.status()
            if port_open(KAFKA_HOST, self.port) or port_open(KAFKA_HOST, self.controller_port):
                raise InfraError(
                    f"ports {self.port}/{self.controller_port} are taken by a process that is "
                    "not a healthy Kafka broker; stop it or set KAFKA_BOOTSTRAP_SERVERS"
                )
            java = self._check_java()
            self._ensure_jars()
            self._render_config()
            self._format_storage(java)
            pid = self._launch(java)
            self._wait_healthy(pid)
            self.progress(f"kafka ready (pid {pid}) at {self.address}; logs in {self.log_dir}")
            return self.status()

    def _check_java(self) -> str:
        java = shutil.which("java")
        if not java:
            raise InfraError(
                "Java is not installed: Kafka 4.x needs Java 17 or newer "
                "(Debian: apt-get install -y openjdk-17-jre-headless)"
            )
        probe = subprocess.run(
            [java, "-version"], capture_output=True, text=True, check=False, timeout=60
        )
        match = re.search(r'version "(\d+)', probe.stderr + probe.stdout)
        if not match or int(match.group(1)) < 17:
            found = (probe.stderr or probe.stdout).splitlines()[:1]
            raise InfraError(f"Kafka 4.x needs Java 17 or newer; found {found or 'unknown'}")
        return java

    def _ensure_jars(self) -> None:
        marker = self.lib_dir / ".complete"
        if marker.exists():
            return
        mvn = shutil.which("mvn")
        if not mvn:
            raise InfraError(
                "Maven is not installed: the Kafka broker's jars are resolved with mvn "
                "(Debian: apt-get install -y maven)"
            )
        staging = self.lib_dir.with_name("lib.partial")
        shutil.rmtree(staging, ignore_errors=True)
        self.progress(
            f"resolving Kafka {self.version} broker jars from Maven Central into "
            f"{self.lib_dir} (first run only, about a minute)"
        )
        run_with_heartbeat(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(POM_DIR / "pom.xml"),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging}",
            ],
            "resolving Kafka jars with mvn",
            self.progress,
            log_file=self.log_dir / "mvn-resolve.log",
        )
        if not any(staging.glob(f"kafka_2.13-{self.version}.jar")):
            raise InfraError(f"mvn finished but {staging} has no kafka_2.13-{self.version}.jar")
        shutil.rmtree(self.lib_dir, ignore_errors=True)
        staging.rename(self.lib_dir)
        marker.write_text(f"kafka {self.version}\n")

    def _classpath(self) -> str:
        return f"{self.lib_dir}/*"

    def _render_config(self) -> None:
        for folder in (self.data_dir, self.log_dir, self.config_dir):
            folder.mkdir(parents=True, exist_ok=True)
        replacements = {
            "@DATA_DIR@": str(self.data_dir),
            "@LOG_DIR@": str(self.log_dir),
            "@BROKER_PORT@": str(self.port),
            "@CONTROLLER_PORT@": str(self.controller_port),
        }
        for template, target in (
            ("server.properties.in", "server.properties"),
            ("log4j2.xml.in", "log4j2.xml"),
        ):
            text = (POM_DIR / template).read_text()
            for token, value in replacements.items():
                text = text.replace(token, value)
            (self.config_dir / target).write_text(text)

    def _java_base(self, java: str, *jvm_options: str) -> list[str]:
        return [
            java,
            *jvm_options,
            f"-Dlog4j2.configurationFile={self.config_dir / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.log_dir}",
            "-cp",
            self._classpath(),
        ]

    def _format_storage(self, java: str) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        self.progress(f"formatting Kafka storage in {self.data_dir}")
        uuid = subprocess.run(
            [*self._java_base(java), STORAGE_TOOL_CLASS, "random-uuid"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        cluster_id = uuid.stdout.strip().splitlines()[-1] if uuid.stdout.strip() else ""
        if uuid.returncode != 0 or not re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id):
            raise InfraError(f"StorageTool random-uuid failed: {uuid.stderr or uuid.stdout}")
        run_with_heartbeat(
            [
                *self._java_base(java),
                STORAGE_TOOL_CLASS,
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.config_dir / "server.properties"),
            ],
            "formatting Kafka storage",
            self.progress,
            log_file=self.log_dir / "storage-format.log",
        )

    def _launch(self, java: str) -> int:
        self.progress(f"starting Kafka {self.version} broker (Java, {HEAP}) on {self.address}")
        stdout_log = self.log_dir / "kafka.stdout.log"
        with stdout_log.open("ab") as out:
            process = subprocess.Popen(
                [
                    *self._java_base(java, HEAP, "-XX:+UseG1GC", "-Djava.awt.headless=true"),
                    BROKER_MAIN_CLASS,
                    str(self.config_dir / "server.properties"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                # Own session: the broker outlives the CLI and ignores the terminal's Ctrl-C.
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        return process.pid

    def _wait_healthy(self, pid: int) -> None:
        self.progress("waiting for Kafka to answer (admin client lists topics)")
        started = time.monotonic()
        last_note = started
        while time.monotonic() - started < START_TIMEOUT_S:
            if not pid_alive(pid):
                raise InfraError(
                    f"Kafka (pid {pid}) exited during startup; last log lines from "
                    f"{self.log_dir}:\n{tail_file(self.log_dir / 'server.log')}\n"
                    f"{tail_file(self.log_dir / 'kafka.stdout.log')}"
                )
            if kafka_healthy(self.address, timeout_s=5.0):
                return
            if time.monotonic() - last_note >= 10:
                last_note = time.monotonic()
                self.progress(f"  still waiting for Kafka ({last_note - started:.0f}s)")
            time.sleep(0.5)
        raise InfraError(
            f"Kafka (pid {pid}) did not become healthy within {START_TIMEOUT_S:.0f}s; see "
            f"{self.log_dir / 'server.log'}:\n{tail_file(self.log_dir / 'server.log')}"
        )

    # ----------------------------------------------------------------- down
    def down(self) -> bool:
        """Stop the broker started from this folder; True when one was stopped."""
        with exclusive_lock(self.home / ".kafka.lock"):
            pid = self._our_pid()
            if pid is None:
                self.pid_file.unlink(missing_ok=True)
                self.progress("kafka is not running (from this folder)")
                return False
            self.progress(f"stopping kafka (pid {pid})")
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if pid_alive(pid):
                self.progress(f"kafka did not stop within {STOP_TIMEOUT_S:.0f}s; killing it")
                os.kill(pid, signal.SIGKILL)
                while pid_alive(pid):
                    time.sleep(0.1)
            self.pid_file.unlink(missing_ok=True)
            self.progress("kafka stopped")
            return True

    # ----------------------------------------------------------------- kill
    def kill(self) -> int:
        """kill -9 the broker started from this folder (outage tests); returns its pid."""
        pid = self._our_pid()
        if pid is None:
            raise InfraError(f"no broker started from {self.root} is running")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return pid
