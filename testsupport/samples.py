"""Where tests find the public X12 samples, and what a missing folder means under CI."""

from __future__ import annotations

import os
from pathlib import Path

from shared.config import get_settings


def x12_samples_dir() -> Path:
    """The samples folder (setting SAMPLES_DIR, default ../shared/samples) joined with x12/.

    Tests read the samples where they are, never copies. A missing folder fails the calling
    test under CI=true, where it can only mean a broken checkout, and skips it elsewhere.
    """
    import pytest  # test support only: pytest is a dev dependency

    root = get_settings().x12_samples_dir
    if not root.is_dir():
        message = f"X12 samples folder {root} is missing (set SAMPLES_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return root
