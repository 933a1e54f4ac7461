"""`validator emulate`: put an emulated card in the field of a validator
listening on nfcpy's UDP device, for depot benches and demos."""

from __future__ import annotations

import argparse
import sys

from validator.config import ConfigError


def parse_udp(path: str) -> tuple[str, int]:
    """'udp:HOST:PORT' -> (host, port), with a clear error for anything else."""
    parts = path.split(":")
    if len(parts) != 3 or parts[0] != "udp" or not parts[2].isdigit():
        raise ConfigError(
            f"--nfc {path!r} is not a UDP device path; use udp:HOST:PORT, "
            "e.g. udp:127.0.0.1:54321 (the validator's nfc.path)"
        )
    return parts[1] or "127.0.0.1", int(parts[2])


def parse_uid(text: str) -> bytes:
    try:
        uid = bytes.fromhex(text)
    except ValueError:
        uid = b""
    if len(uid) not in (4, 7):
        raise ConfigError(f"--uid {text!r} must be 4 or 7 bytes of hex, e.g. 04A1B2C3")
    return uid


def emulate_card(args: argparse.Namespace) -> int:
    from drivers.nfc import ClassicCard, UltralightCard, emulate_until_interrupted

    host, port = parse_udp(args.nfc)
    uid = parse_uid(args.uid)
    if args.kind == "ultralight" and len(uid) != 7:
        raise ConfigError("a MIFARE Ultralight has a 7-byte UID (14 hex digits)")
    card = ClassicCard(uid) if args.kind == "classic" else UltralightCard(uid)
    emulate_until_interrupted(card, host, port, args.hold, sys.stdout)
    return 0
