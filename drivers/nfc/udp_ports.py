"""Free loopback UDP ports for nfcpy's ``udp:`` device."""

from __future__ import annotations

import socket


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A free UDP port that /etc/services does not name: nfcpy resolves the
    port of a ``udp:HOST:PORT`` path as a service name first, so a port such
    as 57000 ("dircproxy") would not open."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((host, 0))
            port: int = sock.getsockname()[1]
        try:
            socket.getservbyport(port, "udp")
        except OSError:
            return port
