"""An MLLP listener: HL7 v2 messages framed 0x0B ... 0x1C 0x0D in, one ACK per message out.

A thread per connection (the work per message is blocking database I/O), messages of one
connection answered in order. A frame larger than the limit is answered AR and the
connection closed (its remainder cannot be told from the next message); bytes outside a
frame are skipped, as the framing protocol allows.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
IDLE_TIMEOUT_S = 600.0


def frame(message: str) -> bytes:
    """A message (segments joined by CR) framed for MLLP."""
    return START_BLOCK + message.encode("utf-8") + END_BLOCK


def decode(payload: bytes) -> str:
    """HL7 text: UTF-8 when it is, else ISO-8859-1 (the 8-bit set many engines still send)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("iso-8859-1")


class MllpServer(socketserver.ThreadingTCPServer):
    """Listens on `address`; `handle(text) -> ack text` answers each framed message."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handle: Callable[[str], str],
        *,
        max_message_bytes: int = 1_048_576,
        too_large: Callable[[], str] | None = None,
        on_message: Callable[[], None] = lambda: None,
    ) -> None:
        self.handle_message = handle
        self.max_message_bytes = max_message_bytes
        self.too_large = too_large
        self.on_message = on_message
        self.handled = 0
        self._count_lock = threading.Lock()
        super().__init__(address, _Connection)

    def count(self) -> None:
        with self._count_lock:
            self.handled += 1
        self.on_message()


class _Connection(socketserver.BaseRequestHandler):
    server: MllpServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(IDLE_TIMEOUT_S)
        buffer = bytearray()
        while True:
            try:
                data = sock.recv(65536)
            except (TimeoutError, ConnectionError, OSError):
                return
            if not data:
                return
            buffer += data
            if not self._answer_frames(sock, buffer):
                return

    def _answer_frames(self, sock: socket.socket, buffer: bytearray) -> bool:
        """Answer every whole frame in `buffer`; False when the connection must close."""
        while True:
            start = buffer.find(START_BLOCK)
            if start < 0:
                buffer.clear()
                return True
            if start:
                del buffer[:start]
            end = buffer.find(END_BLOCK, 1)
            if end < 0:
                if len(buffer) > self.server.max_message_bytes:
                    self._send(sock, self.server.too_large() if self.server.too_large else "")
                    return False
                return True
            payload = bytes(buffer[1:end])
            del buffer[: end + len(END_BLOCK)]
            if len(payload) > self.server.max_message_bytes:
                self._send(sock, self.server.too_large() if self.server.too_large else "")
                return False
            ack = self.server.handle_message(decode(payload))
            # Counted (and, embedded, settled) before the ACK leaves: the sender's next
            # message, and anyone it tells, sees what this one did.
            self.server.count()
            if not self._send(sock, ack):
                return False

    def _send(self, sock: socket.socket, ack: str) -> bool:
        if not ack:
            return True
        try:
            sock.sendall(frame(ack))
            return True
        except OSError as exc:
            log.info("MLLP peer went away before its ACK: %s", type(exc).__name__)
            return False


def serve_in_thread(server: MllpServer) -> threading.Thread:
    """Run `server` on a daemon thread (tests, benchmarks); stop with server.shutdown()."""
    thread = threading.Thread(target=server.serve_forever, name="mllp", daemon=True)
    thread.start()
    return thread


def address_of(server: Any) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return str(host), int(port)
