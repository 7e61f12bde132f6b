"""The virus-scanner hook: off by default, a ClamAV daemon where one is configured.

A scanner is any callable that reads a file and returns the name of what it found, or
``None`` when the file is clean; it raises :class:`ScannerUnavailable` when it cannot
tell. ``PPP_ASSESS_CLAMAV`` names a clamd socket (``unix:///run/clamav/clamd.ctl`` or
``tcp://clamav.internal:3310``); tests and embedders may pass a function of their own in
``Settings.evidence_scanner``.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import urlsplit

#: Reads a file; returns the name of a threat found, or None when the file is clean.
Scanner = Callable[[BinaryIO], str | None]

_CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """The scanner could not say whether the file is clean."""


class ClamdScanner:
    """Scan through a ClamAV daemon with its ``INSTREAM`` command (no client library)."""

    def __init__(self, address: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(address)
        if parts.scheme not in {"unix", "tcp"}:
            raise ValueError("A ClamAV address is unix:///path or tcp://host:port.")
        self.address = address
        self.timeout = timeout
        self._parts = parts

    def _connect(self) -> socket.socket:
        if self._parts.scheme == "unix":
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = self._parts.path
        else:
            connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (self._parts.hostname or "localhost", self._parts.port or 3310)
        connection.settimeout(self.timeout)
        connection.connect(target)
        return connection

    def __call__(self, handle: BinaryIO) -> str | None:
        """Stream the file to clamd and return the threat it names, or None."""
        handle.seek(0)
        try:
            with self._connect() as connection:
                connection.sendall(b"zINSTREAM\0")
                while chunk := handle.read(_CHUNK):
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    data = connection.recv(4096)
                    if not data:
                        break
                    reply += data
        except OSError as error:
            raise ScannerUnavailable(str(error)) from error
        answer = reply.rstrip(b"\0").decode("utf-8", "replace")
        # "stream: OK", "stream: Eicar-Signature FOUND", "... ERROR"
        if answer.endswith(" OK"):
            return None
        if answer.endswith(" FOUND"):
            return answer.removeprefix("stream: ").removesuffix(" FOUND")
        raise ScannerUnavailable(answer)
