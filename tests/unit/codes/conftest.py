"""Fixtures for the code-set tests: the packaged code sets, and a scratch codes directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.codes import CodeSets, clear_code_sets_cache, load_code_sets


@pytest.fixture(scope="session", autouse=True)
def private_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built indexes go to a fresh directory, so each run exercises the build from the
    package and never reads (or litters) the user's cache."""
    directory = tmp_path_factory.mktemp("codes-cache")
    previous = os.environ.get("REVCYCLE_CODES_CACHE_DIR")
    os.environ["REVCYCLE_CODES_CACHE_DIR"] = str(directory)
    clear_code_sets_cache()
    yield directory
    if previous is None:
        os.environ.pop("REVCYCLE_CODES_CACHE_DIR", None)
    else:
        os.environ["REVCYCLE_CODES_CACHE_DIR"] = previous
    clear_code_sets_cache()


@pytest.fixture(scope="session")
def code_sets(private_index_cache: Path) -> CodeSets:
    return load_code_sets()


@pytest.fixture
def office_dir(tmp_path: Path) -> Iterator[Path]:
    """An empty codes directory of a billing office; the cache is cleared around each test."""
    clear_code_sets_cache()
    directory = tmp_path / "codes"
    directory.mkdir()
    yield directory
    clear_code_sets_cache()
