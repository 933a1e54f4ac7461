"""`validator emulate qr` and `validator emulate gps`: drive a validator's
serial devices from a depot bench.

The port is a serial device or pyserial URL wired to the validator's port
(a USB-serial adapter, ``socket://HOST:PORT``), or ``pty:PATH``: a pseudo
terminal on this machine linked at PATH, for a validator on the same
machine whose ``qr.port`` or ``gps.port`` names PATH.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from validator.config import ConfigError
from validator.tokens import QR_PREFIX, token_to_qr_text

__all__ = ["emulate_gps", "emulate_gps_command", "emulate_qr", "emulate_qr_command", "qr_text"]

CRLF = b"\r\n"


def qr_text(text_or_token: str) -> str:
    """The text a scanner would send: ``KZT1:…`` as given, the hex of raw
    token bytes turned into QR text, anything else as it is (to test declines)."""
    if text_or_token.startswith(QR_PREFIX):
        return text_or_token
    try:
        token = bytes.fromhex(text_or_token)
    except ValueError:
        return text_or_token
    return token_to_qr_text(token) if token else text_or_token


def emulate_qr(
    text_or_token: str,
    port_url: str,
    *,
    scans: TextIO | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Send the code, followed by CR LF, as a scanner does; returns the scans sent.

    With ``pty:PATH`` the code is sent each time a line comes from ``scans``
    (Enter on the terminal), until it ends: the validator opens PATH first.
    """
    from drivers.serial_bench import PTY_SCHEME, open_far_end

    line = qr_text(text_or_token).encode("utf-8") + CRLF
    far_end = open_far_end(port_url)
    try:
        if not port_url.startswith(PTY_SCHEME):
            far_end.write(line)
            return 1
        print(
            f"Scanner at {port_url[len(PTY_SCHEME) :]}: press Enter to scan, Ctrl-D to stop",
            file=out,
        )
        return _scan_on_enter(far_end.write, line, scans or sys.stdin)
    finally:
        far_end.close()


def emulate_gps(
    nmea_file: Path,
    port_url: str,
    rate: float = 1.0,
    *,
    stop: threading.Event | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Replay an NMEA log, one receiver epoch every ``1 / rate`` seconds;
    returns the epochs sent. Bad lines in the file are sent as they are."""
    from drivers.gps import nmea_epochs, replay_epochs
    from drivers.serial_bench import open_far_end

    if not rate > 0:
        raise ConfigError(f"--rate must be above 0 epochs a second, got {rate}")
    epochs = nmea_epochs(_read_log(nmea_file))
    far_end = open_far_end(port_url)
    try:
        print(f"Replaying {len(epochs)} epochs from {nmea_file} to {port_url}", file=out)
        return replay_epochs(far_end, epochs, rate, stop or threading.Event())
    finally:
        far_end.close()


def emulate_qr_command(args: argparse.Namespace) -> int:
    scans = emulate_qr(args.code, args.port)
    print(f"sent {scans} scan(s)")
    return 0


def emulate_gps_command(args: argparse.Namespace) -> int:
    sent = emulate_gps(args.file, args.port, args.rate)
    print(f"sent {sent} epoch(s)")
    return 0


def _scan_on_enter(write: Callable[[bytes], None], line: bytes, scans: TextIO) -> int:
    sent = 0
    for _ in scans:
        write(line)
        sent += 1
    return sent


def _read_log(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the NMEA file {path}: {error.strerror}") from None
