"""A private PostgreSQL cluster from Debian's `postgresql` package on 127.0.0.1:55432."""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from devtools.common import (
    InfraError,
    Progress,
    ServerStatus,
    exclusive_lock,
    infra_dir,
    pid_alive,
    port_open,
    read_pid,
    run_with_heartbeat,
    stderr_progress,
    tail_file,
)

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 55432  # default; REVCYCLE_POSTGRES_PORT overrides (e.g. a second checkout)
POSTGRES_USER = "postgres"
POSTGRES_ADMIN_URL = (
    f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/postgres"
)
SERVER_OS_USER = "postgres"  # the Debian package's account; root may not run the server
START_TIMEOUT_S = 90
# Unix socket paths are limited to ~107 bytes; a deep checkout falls back to /tmp.
MAX_SOCKET_DIR_LEN = 80


def postgres_healthy(port: int = POSTGRES_PORT, timeout_s: int = 3) -> bool:
    """Health check: psycopg connects to the admin database and runs SELECT 1."""
    import psycopg  # imported late: `revcycle --help` should stay fast

    try:
        with psycopg.connect(
            host=POSTGRES_HOST,
            port=port,
            user=POSTGRES_USER,
            dbname="postgres",
            connect_timeout=timeout_s,
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def find_bin_dir() -> Path | None:
    """Newest Debian PostgreSQL bin folder with initdb, else one on PATH, else None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class LocalPostgres:
    """Start, stop and inspect the project's private cluster; state under infra_dir()/postgres."""

    name = "postgres"

    def __init__(
        self,
        progress: Progress = stderr_progress,
        *,
        home: Path | None = None,
        port: int | None = None,
    ) -> None:
        """`home`/`port` make a private cluster (outage tests); by default the folder is
        infra_dir() and the port comes from the environment or the default."""
        self.progress = progress
        self.is_root = os.geteuid() == 0
        self.home = home or infra_dir()
        self.port = port or int(os.environ.get("REVCYCLE_POSTGRES_PORT", POSTGRES_PORT))
        self.root = self._choose_root()
        self.data_dir = self.root / "data"
        self.log_dir = self.root / "log"
        self.log_file = self.log_dir / "postgresql.log"
        socket_dir = self.root / "run"
        self.socket_dir = socket_dir if len(str(socket_dir)) <= MAX_SOCKET_DIR_LEN else Path("/tmp")

    @property
    def address(self) -> str:
        return f"{POSTGRES_HOST}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://{POSTGRES_USER}@{self.address}/postgres"

    def _choose_root(self) -> Path:
        preferred = self.home / "postgres"
        if not self.is_root or self._server_user_can_reach(preferred.parent):
            return preferred
        # The checkout sits under a folder the postgres account cannot enter (e.g. /root):
        # keep the cluster in postgres's home instead, one per checkout.
        digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:10]
        return Path(pwd.getpwnam(SERVER_OS_USER).pw_dir) / f"revcycle-{digest}"

    def _server_user_can_reach(self, folder: Path) -> bool:
        try:
            pwd.getpwnam(SERVER_OS_USER)
        except KeyError:
            return True  # reported clearly later, when the server is started
        probe = folder
        while not probe.exists():
            probe = probe.parent
        result = subprocess.run(
            ["runuser", "-u", SERVER_OS_USER, "--", "test", "-x", str(probe)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def _as_server_user(self, command: list[str]) -> list[str]:
        if self.is_root:
            return ["runuser", "-u", SERVER_OS_USER, "--", *command]
        return command

    # ----------------------------------------------------------------- status
    def _our_pid(self) -> int | None:
        pid = read_pid(self.data_dir / "postmaster.pid")
        return pid if pid and pid_alive(pid) else None

    def status(self) -> ServerStatus:
        pid = self._our_pid()
        healthy = postgres_healthy(self.port)
        if pid and healthy:
            return ServerStatus(self.name, True, pid, self.address, f"log {self.log_file}")
        if pid:
            return ServerStatus(self.name, False, pid, self.address, "process up, not healthy")
        if healthy:
            return ServerStatus(
                self.name, True, None, self.address, "answering, but not started from this folder"
            )
        if port_open(POSTGRES_HOST, self.port):
            return ServerStatus(
                self.name,
                False,
                None,
                self.address,
                f"port {self.port} taken by another server",
            )
        return ServerStatus(self.name, False, None, self.address, "not running")

    # ------------------------------------------------------------------- up
    def up(self) -> ServerStatus:
        """Start the cluster unless a healthy server already answers; idempotent."""
        with exclusive_lock(self.home / ".postgres.lock"):
            pid = self._our_pid()
            if pid and postgres_healthy(self.port):
                self.progress(f"postgres already running (pid {pid}) at {self.address}")
                return self.status()
            if postgres_healthy(self.port):
                self.progress(f"a PostgreSQL server already answers at {self.address}; reusing it")
                return self.status()
            if pid is None and port_open(POSTGRES_HOST, self.port):
                raise InfraError(
                    f"port {self.port} is taken by a process that does not accept "
                    "trust logins as postgres; stop it or set DATABASE_URL"
                )
            bin_dir = self._ensure_installed()
            self._prepare_folders()
            self._initdb(bin_dir)
            self._start(bin_dir)
            pid = self._our_pid()
            self.progress(f"postgres ready (pid {pid}) at {self.address}; log {self.log_file}")
            return self.status()

    def _ensure_installed(self) -> Path:
        bin_dir = find_bin_dir()
        if bin_dir is not None:
            return bin_dir
        apt_get = shutil.which("apt-get")
        if not apt_get:
            raise InfraError(
                "PostgreSQL is not installed and apt-get is missing: install PostgreSQL "
                "server binaries (initdb, pg_ctl) yourself or set DATABASE_URL"
            )
        if not self.is_root:
            raise InfraError(
                "PostgreSQL is not installed: run `sudo apt-get install -y postgresql` "
                "(installing needs root), or set DATABASE_URL"
            )
        self.progress("PostgreSQL not found: apt-get update && apt-get install -y postgresql")
        log = self.home / "postgres-apt-install.log"
        run_with_heartbeat(
            [apt_get, "update"],
            "running apt-get update",
            self.progress,
            log_file=log.with_name("postgres-apt-update.log"),
        )
        run_with_heartbeat(
            [apt_get, "install", "-y", "--no-install-recommends", "postgresql"],
            "installing postgresql with apt-get",
            self.progress,
            log_file=log,
            extra_env={"DEBIAN_FRONTEND": "noninteractive"},
        )
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise InfraError(f"apt-get installed postgresql but no initdb was found; see {log}")
        return bin_dir

    def _prepare_folders(self) -> None:
        for folder in (self.root, self.log_dir, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if self.is_root:
            try:
                account = pwd.getpwnam(SERVER_OS_USER)
            except KeyError as exc:
                raise InfraError(
                    f"running as root but there is no {SERVER_OS_USER!r} account to run the "
                    "server (it comes with Debian's postgresql package)"
                ) from exc
            for folder in (self.root, self.log_dir):
                os.chown(folder, account.pw_uid, account.pw_gid)
            if self.socket_dir != Path("/tmp"):
                os.chown(self.socket_dir, account.pw_uid, account.pw_gid)
            if self.data_dir.exists():
                os.chown(self.data_dir, account.pw_uid, account.pw_gid)

    def _initdb(self, bin_dir: Path) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.progress(f"initialising a private cluster in {self.data_dir}")
        run_with_heartbeat(
            self._as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-A",
                    "trust",
                    "-U",
                    POSTGRES_USER,
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            ),
            "initdb",
            self.progress,
            log_file=self.log_dir.parent / "initdb.log",
        )
        # Settings live in the cluster itself so a bare `pg_ctl start` brings up the same server.
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# --- revcycle local cluster (devtools/postgres.py) ---\n"
                f"port = {self.port}\n"
                f"listen_addresses = '{POSTGRES_HOST}'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                # Concurrent-writer and consumer tests open many connections at once.
                "max_connections = 200\n"
                "log_min_duration_statement = 2000\n"
                "log_line_prefix = '%m [%p] %d '\n"
            )

    def _start(self, bin_dir: Path) -> None:
        self.progress(f"starting PostgreSQL ({bin_dir.parent.name}) on {self.address}")
        result = subprocess.run(
            self._as_server_user(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    # The port is in postgresql.conf too; -p here wins if the override changed.
                    "-o",
                    f"-p {self.port}",
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "start",
                ]
            ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not postgres_healthy(self.port, timeout_s=5):
            raise InfraError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}\n"
                f"last lines of {self.log_file}:\n{tail_file(self.log_file)}"
            )

    # ----------------------------------------------------------------- down
    def down(self) -> bool:
        """Stop the cluster started from this folder; True when one was stopped."""
        with exclusive_lock(self.home / ".postgres.lock"):
            pid = self._our_pid()
            if pid is None:
                self.progress("postgres is not running (from this folder)")
                return False
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise InfraError("cannot stop PostgreSQL: pg_ctl not found")
            self.progress(f"stopping postgres (pid {pid})")
            result = subprocess.run(
                self._as_server_user(
                    [str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
                ),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise InfraError(f"pg_ctl stop failed: {result.stderr.strip()}")
            self.progress("postgres stopped")
            return True

    # ----------------------------------------------------------------- kill
    def kill(self) -> int:
        """kill -9 the postmaster started from this folder (outage tests); returns its pid.

        Its backends notice the postmaster's death and exit; `up()` then starts the cluster
        again, which runs crash recovery from the WAL.
        """
        pid = self._our_pid()
        if pid is None:
            raise InfraError(f"no PostgreSQL started from {self.data_dir} is running")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return pid
