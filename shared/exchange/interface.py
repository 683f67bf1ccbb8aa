"""The clearinghouse adapter interface: send our files out, take the answers that came back.

Every way of reaching a clearinghouse (a folder pair, SFTP, an HTTP API) offers the same
small set of operations, so the claims, eligibility and remit services never know which
one they talk to:

- outbound: `send(name, content)` publishes one whole file under a unique name. A resend of
  the same name with the same content is a no-op (a crash between sending and recording
  the send never sends a batch twice); the same name with other content is refused.
- inbound: `list_inbound()` shows the answer files waiting (999, 277CA, 835, 271, 277, TA1),
  oldest first; `claim(name)` takes one: of several pollers exactly one gets it, and it
  holds the whole file (a poller never sees half a file). A taken file is then
  `complete`d (archived or removed) once its effects are recorded, or `release`d to be
  taken again. `unfinished()` lists files taken and never completed, e.g. by a poller that
  crashed mid-file, for its successor to finish.
- `poll(limit)`: list and claim in one call, for the common loop.

The interface is a `typing.Protocol`; `shared.exchange.folder.FolderClearinghouse` is the
default implementation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

__all__ = [
    "ExchangeError",
    "FileNameError",
    "AlreadySentError",
    "SentFile",
    "InboundFile",
    "ClaimedFile",
    "ClearinghouseAdapter",
    "MAX_NAME_LENGTH",
    "check_file_name",
]

# A file name must survive every file system and SFTP server we may meet.
MAX_NAME_LENGTH = 200
_FORBIDDEN_IN_NAMES = frozenset('/\\:*?"<>|')


class ExchangeError(RuntimeError):
    """A file could not be sent, listed or taken; the message names the file and the reason."""


class FileNameError(ExchangeError, ValueError):
    """A file name the exchange refuses (empty, hidden, a path, too long, odd characters)."""


class AlreadySentError(ExchangeError):
    """A file of this name was already sent with different content."""


def check_file_name(name: str) -> str:
    """`name` when it is a plain, visible file name every clearinghouse accepts; else raise.

    Hidden names (a leading dot) are reserved for files being written and for the exchange's
    own folders, so a poller never lists them.
    """
    if not name or name in (".", ".."):
        raise FileNameError("a file name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise FileNameError(f"file name is {len(name)} characters; at most {MAX_NAME_LENGTH}")
    if name.startswith("."):
        raise FileNameError(f"file name {name!r} must not start with a dot (reserved)")
    if name != name.strip():
        raise FileNameError(f"file name {name!r} must not start or end with a space")
    for char in name:
        if char in _FORBIDDEN_IN_NAMES or not char.isprintable() or not char.isascii():
            raise FileNameError(
                f"file name {name!r} holds {char!r}; use letters, digits, '-', '_', '.', '+'"
            )
    return name


@dataclass(frozen=True, slots=True)
class SentFile:
    """A file published on the outbound side."""

    name: str
    size: int
    sha256: str
    location: str  # where the adapter put it (a path, a remote path, a URL)
    already_sent: bool = False  # True when an identical file of this name was there before


@dataclass(frozen=True, slots=True)
class InboundFile:
    """An answer file waiting on the inbound side (not yet taken)."""

    name: str
    size: int
    arrived_at: datetime  # the file's modification time, timezone-aware (UTC)


@dataclass(frozen=True, slots=True)
class ClaimedFile:
    """An inbound file this poller took: the whole content, and a token to complete it."""

    name: str
    content: bytes
    sha256: str
    arrived_at: datetime
    token: str  # adapter-specific handle (the folder adapter: the taken file's path)


@runtime_checkable
class ClearinghouseAdapter(Protocol):
    """What every clearinghouse connection offers (folder pair, SFTP, HTTP)."""

    def send(self, name: str, content: bytes) -> SentFile:
        """Publish one whole file under `name` on the outbound side."""
        ...

    def list_inbound(self) -> list[InboundFile]:
        """Answer files waiting to be taken, oldest first."""
        ...

    def claim(self, name: str) -> ClaimedFile | None:
        """Take the inbound file `name`; None when it is gone (another poller took it)."""
        ...

    def complete(self, claimed: ClaimedFile) -> None:
        """The taken file's effects are recorded: archive or remove it."""
        ...

    def release(self, claimed: ClaimedFile) -> None:
        """Give the taken file back, to be taken again (processing failed)."""
        ...

    def unfinished(self) -> list[ClaimedFile]:
        """Files taken and never completed or released (a poller stopped mid-file)."""
        ...

    def poll(self, limit: int | None = None) -> Iterator[ClaimedFile]:
        """List and take waiting files, oldest first (at most `limit`)."""
        ...
