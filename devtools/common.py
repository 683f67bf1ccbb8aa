"""Shared plumbing for the local servers: folders, PID files, ports, locks, progress output."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

Progress = Callable[[str], None]


class InfraError(RuntimeError):
    """A local server cannot be had; the message says why and what to do."""


def stderr_progress(message: str) -> None:
    """Default progress sink: one line on stderr, flushed, so a terminal never sits silent."""
    print(f"[infra] {message}", file=sys.stderr, flush=True)


def infra_dir() -> Path:
    """Where servers keep data, logs and PID files (REVCYCLE_INFRA_DIR, else <repo>/var/infra)."""
    configured = os.environ.get("REVCYCLE_INFRA_DIR")
    return Path(configured).resolve() if configured else REPO_ROOT / "var" / "infra"


def cache_dir() -> Path:
    """Where downloaded artefacts (Kafka jars) are kept across runs and clones."""
    configured = os.environ.get("REVCYCLE_CACHE_DIR")
    if configured:
        return Path(configured).resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "revcycle"


@dataclass(frozen=True)
class ServerStatus:
    """What `status` found for one server."""

    name: str
    running: bool
    pid: int | None
    address: str
    detail: str

    def line(self) -> str:
        state = "running" if self.running else "stopped"
        pid = f" pid={self.pid}" if self.pid else ""
        return f"{self.name}: {state}{pid} at {self.address} ({self.detail})"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie (our own dead children are reaped)."""
    with contextlib.suppress(ChildProcessError, OSError):
        # A broker started by this very process (e.g. a pytest session) becomes a zombie
        # when it exits; reaping it keeps kill(pid, 0) from calling it alive.
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # Field 3 (after the parenthesised command name) is the state letter.
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def process_cmdline(pid: int) -> str:
    """The process's command line joined by spaces, or '' when unreadable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def read_pid(path: Path) -> int | None:
    """First line of a PID file as an int, or None when absent or garbled."""
    try:
        first = path.read_text().splitlines()[0].strip()
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Serialise up/down across processes (two pytest runs, a CLI and a fixture)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_with_heartbeat(
    command: Sequence[str],
    label: str,
    progress: Progress,
    *,
    cwd: Path | None = None,
    log_file: Path | None = None,
    interval: float = 10.0,
    extra_env: dict[str, str] | None = None,
) -> None:
    """Run a command, printing "still <label> (Ns)" every interval; raise InfraError on failure."""
    started = time.monotonic()
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(interval):
            progress(f"  still {label} ({time.monotonic() - started:.0f}s)")

    ticker = threading.Thread(target=heartbeat, daemon=True)
    ticker.start()
    try:
        result = subprocess.run(
            list(command),
            cwd=cwd,
            env={**os.environ, **extra_env} if extra_env else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise InfraError(f"{label}: cannot run {command[0]!r}: {exc}") from exc
    finally:
        done.set()
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(result.stdout)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-25:])
        where = f" (full output in {log_file})" if log_file else ""
        raise InfraError(f"{label} failed with exit code {result.returncode}{where}:\n{tail}")


def tail_file(path: Path, lines: int = 20) -> str:
    """Last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
