"""Missing Java, Maven, apt or root gives a clear error naming what to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools import InfraError, LocalKafka, LocalPostgres
from devtools import kafka as kafka_module
from devtools import postgres as postgres_module


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the checkout's real servers or jar cache from these tests.
    monkeypatch.setenv("REVCYCLE_INFRA_DIR", str(tmp_path / "infra"))
    monkeypatch.setenv("REVCYCLE_CACHE_DIR", str(tmp_path / "cache"))


def _quiet(_: str) -> None:
    pass


def _fake_java(folder: Path, version_line: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(0o755)
    return folder


def test_missing_java_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_module.shutil, "which", lambda _name: None)
    with pytest.raises(InfraError, match="Java is not installed.*openjdk-17"):
        LocalKafka(_quiet)._check_java()


def test_java_older_than_17_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_java(tmp_path / "bin", 'openjdk version "11.0.22" 2024-01-16')
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(InfraError, match="needs Java 17 or newer.*11.0.22"):
        LocalKafka(_quiet)._check_java()


def test_java_17_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = _fake_java(tmp_path / "bin", 'openjdk version "17.0.15" 2025-04-15')
    monkeypatch.setenv("PATH", str(bin_dir))
    assert LocalKafka(_quiet)._check_java() == str(bin_dir / "java")


def test_missing_maven_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_module.shutil, "which", lambda _name: None)
    with pytest.raises(InfraError, match="Maven is not installed.*apt-get install -y maven"):
        LocalKafka(_quiet)._ensure_jars()


def test_missing_postgres_and_apt_get(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres_module, "find_bin_dir", lambda: None)
    monkeypatch.setattr(postgres_module.shutil, "which", lambda _name: None)
    with pytest.raises(InfraError, match="apt-get is missing"):
        LocalPostgres(_quiet)._ensure_installed()


def test_missing_postgres_without_root_says_sudo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres_module, "find_bin_dir", lambda: None)
    monkeypatch.setattr(postgres_module.shutil, "which", lambda _name: "/usr/bin/apt-get")
    server = LocalPostgres(_quiet)
    server.is_root = False
    with pytest.raises(InfraError, match="sudo apt-get install -y postgresql"):
        server._ensure_installed()


def test_kafka_version_comes_from_the_pom(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<project><properties><kafka.version>4.3.1</kafka.version></properties>")
    assert kafka_module.kafka_version(pom) == "4.3.1"
    pom.write_text("<project/>")
    with pytest.raises(InfraError, match="does not pin"):
        kafka_module.kafka_version(pom)
