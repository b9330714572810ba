"""A thin client of ClamAV's scanning daemon (clamd) over its unix socket.

Only two commands are used: ``zPING`` (is the daemon there?) and ``zINSTREAM`` (scan these
bytes). INSTREAM sends the data as chunks, each a 4-byte big-endian length followed by that many
bytes, ends with a zero-length chunk, and clamd answers one NUL-terminated line:
``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``. No Python client of clamd is
maintained today, and the protocol is small enough to hold here.

clamd refuses a stream longer than its ``StreamMaxLength`` (``INSTREAM size limit exceeded``);
the daemon must allow at least the portal's largest upload (``ATTACHMENT_MAX_FILE_SIZE``).
"""

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

#: Bytes per INSTREAM chunk (clamd's own default for clamdscan is similar).
CHUNK_SIZE = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd cannot be reached (not configured, not running, or it did not answer in time)."""


class ScannerError(Exception):
    """clamd answered with an error instead of a verdict (e.g. the stream was too long)."""


@dataclass(frozen=True)
class ScanResult:
    """clamd's verdict: ``signature`` names what was found, ``None`` when the data is clean."""

    signature: str | None

    @property
    def clean(self) -> bool:
        return self.signature is None


def _socket_path(socket_path: str | None) -> str:
    path = socket_path if socket_path is not None else settings.CLAMD_SOCKET
    if not path:
        raise ScannerUnavailable("No clamd socket is configured (CLAMD_SOCKET).")
    return path


def _connect(socket_path: str | None, timeout: float | None) -> socket.socket:
    path = _socket_path(socket_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout if timeout is not None else settings.CLAMD_TIMEOUT)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise ScannerUnavailable(f"clamd at {path} cannot be reached: {exc}") from exc
    return sock


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def ping(*, socket_path: str | None = None, timeout: float | None = None) -> bool:
    """True when clamd answers ``PONG``; False when it cannot be reached."""
    try:
        sock = _connect(socket_path, timeout)
    except ScannerUnavailable:
        return False
    try:
        sock.sendall(b"zPING\0")
        return _read_reply(sock) == "PONG"
    except OSError:
        return False
    finally:
        sock.close()


def parse_reply(reply: str) -> ScanResult:
    """Turn clamd's INSTREAM reply into a verdict, or raise ``ScannerError``."""
    _, _, verdict = reply.partition(": ")
    if reply.startswith("stream") and verdict == "OK":
        return ScanResult(signature=None)
    if reply.startswith("stream") and verdict.endswith(" FOUND"):
        return ScanResult(signature=verdict.removesuffix(" FOUND"))
    raise ScannerError(f"clamd answered: {reply or '(nothing)'}")


def scan_bytes(
    data: bytes, *, socket_path: str | None = None, timeout: float | None = None
) -> ScanResult:
    """Scan ``data`` with clamd (INSTREAM) and return its verdict.

    Raises ``ScannerUnavailable`` when clamd cannot be reached or stops answering, and
    ``ScannerError`` when it answers with an error (such as a stream over its size limit).
    """
    sock = _connect(socket_path, timeout)
    try:
        sock.sendall(b"zINSTREAM\0")
        view = memoryview(data)
        for start in range(0, len(view), CHUNK_SIZE):
            chunk = view[start : start + CHUNK_SIZE]
            sock.sendall(struct.pack(">I", len(chunk)))
            sock.sendall(chunk)
        sock.sendall(struct.pack(">I", 0))
        reply = _read_reply(sock)
    except OSError as exc:
        # clamd closes the connection when a stream passes its limit; it may have answered.
        raise ScannerUnavailable(f"clamd stopped answering: {exc}") from exc
    finally:
        sock.close()
    return parse_reply(reply)
