"""Fixtures for the code-set tests: the packaged code sets, and a scratch codes directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.codes import CodeSets, clear_code_sets_cache, load_code_sets


@pytest.fixture(scope="session")
def code_sets() -> CodeSets:
    return load_code_sets()


@pytest.fixture
def office_dir(tmp_path: Path) -> Iterator[Path]:
    """An empty codes directory of a billing office; the cache is cleared around each test."""
    clear_code_sets_cache()
    directory = tmp_path / "codes"
    directory.mkdir()
    yield directory
    clear_code_sets_cache()
