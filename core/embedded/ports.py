"""Free TCP ports on 127.0.0.1 for the embedded services.

Every listening port is chosen free at start time, so several data dirs (two
developers on one host, parallel test runs) can run side by side. A port can
still be taken between choosing and binding it, so the services retry when
their log says so (:func:`is_port_conflict`).
"""

from __future__ import annotations

import socket

from core.embedded.errors import EmbeddedServiceError

LOCALHOST = "127.0.0.1"
_PORT_CONFLICT_MARKERS = ("address already in use", "is not available")


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The port is released before returning, so another process could take it
    before the service binds it; the start functions retry with new ports
    when a service reports a port conflict.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


class PortReservation:
    """Holds chosen ports bound until the service is about to start.

    Choosing a dozen ports one by one with :func:`find_free_port` could hand
    out the same port twice; keeping each socket bound until all are chosen
    rules that out.
    """

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._ports: set[int] = set()

    def _try_bind(self, port: int) -> bool:
        """Bind ``port`` like the service will: SO_REUSEADDR, as Go and Redis set it.

        Without it, connections of the previous run still in TIME_WAIT would
        make a port that the service can bind look taken.
        """
        if port in self._ports:
            return False
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError:
            sock.close()
            return False
        self._sockets.append(sock)
        self._ports.add(port)
        return True

    def _drop_last(self) -> None:
        sock = self._sockets.pop()
        self._ports.discard(sock.getsockname()[1])
        sock.close()

    def take(self, prefer: int | None = None) -> int:
        """A free port: ``prefer`` when it is free, else any free port."""
        if prefer and self._try_bind(prefer):
            return prefer
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        self._sockets.append(sock)
        self._ports.add(port)
        return port

    def take_pair(self, offset: int, prefer: int | None = None) -> int:
        """A free port ``p`` such that ``p + offset`` is free too."""
        if prefer and prefer + offset <= 65535 and self._try_bind(prefer):
            if self._try_bind(prefer + offset):
                return prefer
            self._drop_last()
        for _ in range(200):
            port = self.take()
            if port + offset <= 65535 and self._try_bind(port + offset):
                return port
            self._drop_last()
        raise EmbeddedServiceError(f"no free pair of ports {offset} apart on {LOCALHOST}")

    def release(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()


def is_port_conflict(tail: str) -> bool:
    """Whether a service's log says it lost its port, which a retry can fix."""
    lowered = tail.lower()
    return any(marker in lowered for marker in _PORT_CONFLICT_MARKERS)
