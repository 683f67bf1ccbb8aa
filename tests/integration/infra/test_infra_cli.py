"""`revcycle infra up` is idempotent (same PIDs) and `status` reports both servers running."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from devtools import LocalKafka, LocalPostgres
from devtools.resolve import unavailable_action

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-c", "from revcycle.cli import main; main()", "infra"]


def _infra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600, check=False)


def _pids(status_output: str) -> dict[str, int]:
    return {
        name: int(pid)
        for name, pid in re.findall(r"^(kafka|postgres): running pid=(\d+)", status_output, re.M)
    }


@pytest.fixture(scope="module")
def local_servers_up() -> None:
    first = _infra("up")
    if first.returncode != 0:
        reason = f"revcycle infra up failed: {first.stderr.strip()[-2000:]}"
        if unavailable_action(os.environ) == "fail":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def test_up_twice_reuses_the_same_processes(local_servers_up: None) -> None:
    before = _infra("status")
    again = _infra("up")
    after = _infra("status")

    assert again.returncode == 0, again.stderr
    assert "already running" in again.stderr
    assert "starting" not in again.stderr
    pids_before, pids_after = _pids(before.stdout), _pids(after.stdout)
    assert set(pids_before) == {"kafka", "postgres"}, before.stdout
    assert pids_after == pids_before


def test_status_reports_both_running(local_servers_up: None) -> None:
    result = _infra("status")
    assert result.returncode == 0, result.stdout + result.stderr
    kafka, postgres = LocalKafka().address, LocalPostgres().address
    assert re.search(rf"^kafka: running pid=\d+ at {re.escape(kafka)} ", result.stdout, re.M)
    assert re.search(rf"^postgres: running pid=\d+ at {re.escape(postgres)} ", result.stdout, re.M)


def test_env_prints_exports_for_the_local_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("REVCYCLE_KAFKA_PORT", "REVCYCLE_POSTGRES_PORT"):
        monkeypatch.delenv(variable, raising=False)
    result = _infra("env")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092",
        "export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres",
    ]


def test_env_follows_port_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVCYCLE_KAFKA_PORT", "29092")
    monkeypatch.setenv("REVCYCLE_POSTGRES_PORT", "56543")
    result = _infra("env")
    assert result.stdout.splitlines() == [
        "export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092",
        "export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:56543/postgres",
    ]
