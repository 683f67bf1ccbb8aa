"""Fixtures for the X12 writer tests: pyx12 as the zero-error judge."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from testsupport.x12 import assert_pyx12_clean


@pytest.fixture
def pyx12_clean() -> Callable[[str], object]:
    return assert_pyx12_clean
