"""The error for a code-set data file that cannot be read: names the file, line and reason."""

from __future__ import annotations

from pathlib import Path


class CodeFileError(ValueError):
    """A malformed code-set file; `path` and `line` (1-based, None: whole file) say where."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")
