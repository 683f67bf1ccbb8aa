"""Resolution order of test servers: env vars, then testcontainers, then local; CI fails."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from devtools.common import InfraError
from devtools.resolve import (
    Kind,
    Resolved,
    admin_conninfo,
    normalize_postgres_url,
    resolve_server,
    unavailable_action,
    with_database,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


def _never(*_: object) -> Resolved:
    raise AssertionError("must not be consulted")


def _no_docker(_: Mapping[str, str]) -> bool:
    return False


def _docker(_: Mapping[str, str]) -> bool:
    return True


def _container(kind: Kind) -> Resolved:
    return Resolved(kind, f"container-{kind}", "testcontainers")


def _local(kind: Kind) -> Resolved:
    return Resolved(kind, f"local-{kind}", "local")


def _local_down(kind: Kind) -> Resolved:
    return Resolved(kind, None, "local", "java missing")


def test_env_vars_win_over_docker_and_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker.example:9092")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/app")

    kafka = resolve_server(
        "kafka", os.environ, docker_answers=_never, container=_never, local=_never
    )
    postgres = resolve_server(
        "postgres", os.environ, docker_answers=_never, container=_never, local=_never
    )

    assert (kafka.value, kafka.source) == ("broker.example:9092", "env:KAFKA_BOOTSTRAP_SERVERS")
    # The plain libpq spelling is turned into the SQLAlchemy psycopg 3 URL.
    assert postgres.value == "postgresql+psycopg://app@db.example:5432/app"
    assert postgres.source == "env:DATABASE_URL"


def test_testcontainers_come_before_local_when_docker_answers() -> None:
    found = resolve_server("kafka", {}, docker_answers=_docker, container=_container, local=_never)
    assert (found.value, found.source) == ("container-kafka", "testcontainers")


def test_local_servers_when_no_docker_engine() -> None:
    found = resolve_server(
        "postgres", {}, docker_answers=_no_docker, container=_never, local=_local
    )
    assert (found.value, found.source) == ("local-postgres", "local")


def test_local_servers_when_container_start_fails() -> None:
    def broken(kind: Kind) -> Resolved:
        return Resolved(kind, None, "testcontainers", "image pull refused")

    found = resolve_server("kafka", {}, docker_answers=_docker, container=broken, local=_local)
    assert found.value == "local-kafka"


def test_local_mode_never_probes_docker() -> None:
    found = resolve_server(
        "kafka",
        {"REVCYCLE_TEST_INFRA": "local"},
        docker_answers=_never,
        container=_never,
        local=_local,
    )
    assert found.value == "local-kafka"


def test_nothing_available_gives_every_reason() -> None:
    found = resolve_server(
        "kafka", {}, docker_answers=_no_docker, container=_never, local=_local_down
    )
    assert not found.available
    assert "KAFKA_BOOTSTRAP_SERVERS unset" in found.reason
    assert "no Docker engine answers" in found.reason
    assert "java missing" in found.reason


def test_unknown_mode_is_an_error_not_a_guess() -> None:
    found = resolve_server(
        "kafka",
        {"REVCYCLE_TEST_INFRA": "dokcer"},
        docker_answers=_never,
        container=_never,
        local=_never,
    )
    assert not found.available and "dokcer" in found.reason


def test_ci_true_fails_otherwise_skips() -> None:
    assert unavailable_action({"CI": "true"}) == "fail"
    assert unavailable_action({"CI": "1"}) == "fail"
    assert unavailable_action({}) == "skip"
    assert unavailable_action({"CI": "false"}) == "skip"


def test_database_url_must_be_postgresql() -> None:
    with pytest.raises(InfraError, match="sqlite"):
        normalize_postgres_url("sqlite:///x.db")
    found = resolve_server("postgres", {"DATABASE_URL": "mysql://x/y"})
    assert not found.available and "mysql" in found.reason


def test_url_helpers_keep_server_and_swap_database() -> None:
    url = "postgresql+psycopg://postgres:pw@127.0.0.1:55432/postgres?sslmode=disable"
    assert with_database(url, "t_abc") == (
        "postgresql+psycopg://postgres:pw@127.0.0.1:55432/t_abc?sslmode=disable"
    )
    assert admin_conninfo(url).startswith("postgresql://postgres:pw@127.0.0.1:55432/postgres")


def _run_inner_pytest(
    tmp_path: Path, extra_env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "test_needs_kafka.py"
    test_file.write_text(
        textwrap.dedent(
            """
            def test_uses_broker(kafka_bootstrap_servers):
                assert kafka_bootstrap_servers
            """
        )
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "CI", "PYTEST_ADDOPTS"}
    }
    # Docker-only mode with no engine: nothing can be had, and no local server is touched.
    env.update({"REVCYCLE_TEST_INFRA": "docker", "DOCKER_HOST": "unix:///nonexistent.sock"})
    env.update(extra_env)
    # devtools/ is not installed: the inner pytest (run elsewhere) imports it from the checkout.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "devtools.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(test_file),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_fixture_fails_under_ci_when_no_server(tmp_path: Path) -> None:
    result = _run_inner_pytest(tmp_path, {"CI": "true"})
    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout and "skipped" not in result.stdout
    assert "CI=true and kafka unavailable" in result.stdout


def test_fixture_skips_with_reason_outside_ci(tmp_path: Path) -> None:
    result = _run_inner_pytest(tmp_path, {})
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
