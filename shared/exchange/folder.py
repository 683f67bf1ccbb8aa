"""A clearinghouse reached through a pair of folders: the default `ClearinghouseAdapter`.

Layout (both folders follow it, so two `FolderClearinghouse`s with the folders swapped
talk to each other; the payer simulator's `sim serve` is one):

    outbound/NAME              a file we sent, whole
    outbound/.NAME.XXXX.part   a file being written (hidden: never listed)
    inbound/NAME               an answer waiting to be taken
    inbound/.claimed/NAME      taken by a poller, not yet completed
    inbound/.done/NAME         completed (kept unless keep_completed=False)

Guarantees:
- A file appears under its name only whole: it is written to a hidden temporary name,
  flushed to disk, then hard-linked to its name (which also refuses to replace an existing
  file atomically) and the temporary name removed. A poller never reads half a file.
- A file is taken once: taking is a rename from `inbound/` into `inbound/.claimed/`, which
  the file system performs for exactly one of several concurrent pollers.
- Sending is idempotent per name: if NAME was already sent (still waiting, taken or done on
  the other side) with the same bytes, `send` returns it with `already_sent=True`; with
  other bytes it raises `AlreadySentError`.

Partners that write in place instead of renaming can be given time to finish with
`settle_seconds`: files modified more recently than that are not listed yet.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from shared.exchange.interface import (
    AlreadySentError,
    ClaimedFile,
    ExchangeError,
    InboundFile,
    SentFile,
    check_file_name,
)

__all__ = ["FolderClearinghouse", "publish_file", "CLAIMED_DIR", "DONE_DIR"]

CLAIMED_DIR = ".claimed"
DONE_DIR = ".done"
# A second file of the same name taken or archived while the first is still there is kept
# under NAME~xxxxxxxx (8 hex digits); the suffix is dropped when the name is reported.
_SUFFIX = re.compile(r"~[0-9a-f]{8}\Z")


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _fsync_dir(folder: Path) -> None:
    # The rename/link is durable only once the directory entry is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/name~xxxxxxxx` when that is taken."""
    target = folder / name
    while target.exists():
        target = folder / f"{name}~{secrets.token_hex(4)}"
    return target


def _original_name(stored: str) -> str:
    return _SUFFIX.sub("", stored)


def publish_file(folder: Path, name: str, content: bytes, *, durable: bool = True) -> Path:
    """Write `folder/name` whole or not at all; FileExistsError if the name is taken.

    The bytes go to a hidden temporary name, are flushed to disk, and are then hard-linked
    to `name` (link() refuses an existing name atomically, so no file is ever replaced)
    before the temporary name is removed. A reader listing visible names never sees a
    partial file.
    """
    check_file_name(name)
    target = folder / name
    partial = folder / f".{name}.{secrets.token_hex(4)}.part"
    try:
        with open(partial, "wb") as handle:
            handle.write(content)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        try:
            os.link(partial, target)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                raise
            # File systems without hard links: rename, after checking the name is free.
            if target.exists():
                raise FileExistsError(errno.EEXIST, "file exists", str(target)) from exc
            os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    if durable:
        _fsync_dir(folder)
    return target


class FolderClearinghouse:
    """Outbound and inbound folders as a clearinghouse connection (see the module doc)."""

    def __init__(
        self,
        outbound: str | Path,
        inbound: str | Path,
        *,
        keep_completed: bool = True,
        settle_seconds: float = 0.0,
        durable: bool = True,
    ) -> None:
        self.outbound = Path(outbound)
        self.inbound = Path(inbound)
        self.keep_completed = keep_completed
        self.settle_seconds = settle_seconds
        self.durable = durable
        for folder in (self.outbound, self.inbound):
            folder.mkdir(parents=True, exist_ok=True)
        self._claimed = self.inbound / CLAIMED_DIR
        self._done = self.inbound / DONE_DIR
        self._claimed.mkdir(exist_ok=True)
        self._done.mkdir(exist_ok=True)

    def __repr__(self) -> str:
        return f"FolderClearinghouse(outbound={self.outbound}, inbound={self.inbound})"

    # -- outbound ------------------------------------------------------------------------

    def send(self, name: str, content: bytes) -> SentFile:
        """Publish `content` as `outbound/name`, whole or not at all (see the module doc)."""
        check_file_name(name)
        if not isinstance(content, bytes):
            raise ExchangeError(f"{name}: content must be bytes, not {type(content).__name__}")
        digest = _sha256(content)
        earlier = self._sent_before(name)
        if earlier is not None:
            return self._same_or_refuse(name, earlier, content, digest)
        try:
            target = publish_file(self.outbound, name, content, durable=self.durable)
        except FileExistsError:
            # Another sender published the name between our check and our write.
            return self._same_or_refuse(name, self.outbound / name, content, digest)
        except OSError as exc:
            raise ExchangeError(f"{name}: cannot write to {self.outbound}: {exc.strerror}") from exc
        return SentFile(name, len(content), digest, str(target))

    def _sent_before(self, name: str) -> Path | None:
        # The other side takes our files into its .claimed/ and .done/ (our outbound is its
        # inbound): a name found there was sent before too.
        for candidate in (
            self.outbound / name,
            self.outbound / CLAIMED_DIR / name,
            self.outbound / DONE_DIR / name,
        ):
            if candidate.is_file():
                return candidate
        return None

    def _same_or_refuse(self, name: str, earlier: Path, content: bytes, digest: str) -> SentFile:
        try:
            existing = earlier.read_bytes()
        except OSError as exc:
            raise ExchangeError(f"{name}: an earlier file of this name cannot be read") from exc
        if existing != content:
            raise AlreadySentError(
                f"{name}: a different file of this name was already sent ({earlier})"
            )
        return SentFile(name, len(content), digest, str(earlier), already_sent=True)

    # -- inbound -------------------------------------------------------------------------

    def list_inbound(self) -> list[InboundFile]:
        """Visible regular files in the inbound folder, oldest first (then by name)."""
        found: list[tuple[int, str, int]] = []
        settle_ns = int(self.settle_seconds * 1e9)
        now_ns = time.time_ns()
        with os.scandir(self.inbound) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # taken by another poller while we looked
                if settle_ns and now_ns - info.st_mtime_ns < settle_ns:
                    continue  # possibly still being written by a partner that writes in place
                found.append((info.st_mtime_ns, entry.name, info.st_size))
        found.sort()
        return [
            InboundFile(name, size, datetime.fromtimestamp(mtime / 1e9, UTC))
            for mtime, name, size in found
        ]

    def claim(self, name: str) -> ClaimedFile | None:
        """Take `inbound/name` into `.claimed/`; None when another poller was first."""
        if not name or os.path.basename(name) != name or name.startswith("."):
            raise ExchangeError(f"{name!r} is not an inbound file name")
        source = self.inbound / name
        try:
            arrived = source.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        target = _free_name(self._claimed, name)
        try:
            os.rename(source, target)
        except FileNotFoundError:
            return None  # the rename lost the race: the file is another poller's now
        if self.durable:
            _fsync_dir(self.inbound)
        return self._read_claimed(target, name, arrived)

    def _read_claimed(self, path: Path, name: str, arrived_ns: int) -> ClaimedFile:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ExchangeError(f"{name}: taken but cannot be read: {exc.strerror}") from exc
        return ClaimedFile(
            name=name,
            content=content,
            sha256=_sha256(content),
            arrived_at=datetime.fromtimestamp(arrived_ns / 1e9, UTC),
            token=str(path),
        )

    def _own(self, claimed: ClaimedFile) -> Path:
        path = Path(claimed.token)
        if path.parent != self._claimed:
            raise ExchangeError(f"{claimed.name}: not taken through {self.inbound}")
        if not path.is_file():
            raise ExchangeError(f"{claimed.name}: no longer taken (completed or released?)")
        return path

    def complete(self, claimed: ClaimedFile) -> None:
        path = self._own(claimed)
        if self.keep_completed:
            os.rename(path, _free_name(self._done, claimed.name))
        else:
            path.unlink()
        if self.durable:
            _fsync_dir(self._claimed)

    def release(self, claimed: ClaimedFile) -> None:
        path = self._own(claimed)
        os.rename(path, _free_name(self.inbound, claimed.name))
        if self.durable:
            _fsync_dir(self.inbound)

    def unfinished(self) -> list[ClaimedFile]:
        out = []
        for path in sorted(self._claimed.iterdir(), key=lambda p: (p.stat().st_mtime_ns, p.name)):
            if path.is_file():
                out.append(
                    self._read_claimed(path, _original_name(path.name), path.stat().st_mtime_ns)
                )
        return out

    def poll(self, limit: int | None = None) -> Iterator[ClaimedFile]:
        taken = 0
        for waiting in self.list_inbound():
            if limit is not None and taken >= limit:
                return
            claimed = self.claim(waiting.name)
            if claimed is not None:
                taken += 1
                yield claimed
