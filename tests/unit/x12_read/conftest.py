"""Fixtures for the X12 reading tests: the public samples folder, read where it lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import get_settings
from testsupport.samples import x12_samples_dir


def samples_root() -> Path:
    return get_settings().x12_samples_dir


def sample_files() -> list[Path]:
    """Every X12 sample (the licences and SOURCES.md are not X12)."""
    root = samples_root()
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.parent.name != "LICENSES"
        and p.name not in ("SOURCES.md", ".gitattributes")
    )


def sample_id(path: Path) -> str:
    return str(path.relative_to(samples_root()))


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The samples folder; under CI=true a missing folder fails instead of skipping."""
    return x12_samples_dir()


def sample(samples_dir: Path, relative: str) -> Path:
    path = samples_dir / relative
    assert path.is_file(), f"sample {relative} is missing from {samples_dir}"
    return path
