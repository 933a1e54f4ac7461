"""`validator emulate`: put an emulated card in the field of a validator
listening on nfcpy's UDP device, for depot benches and demos.

Kinds: ``classic`` and ``ultralight`` (a UID), ``desfire`` (personalised
with the master key and a card number, or ``--clone``: the UID without our
application), ``emv`` (a bank card or phone wallet from a JSON description,
docs/emv.md) and ``app`` (a phone with the operator's app and a token).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from validator.config import ConfigError
from validator.model import Category
from validator.tokens import TokenRejection, qr_text_to_token

if TYPE_CHECKING:
    from drivers.nfc.picc import EmulatedCard

KINDS = ("classic", "ultralight", "desfire", "emv", "app")


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


def parse_token(text: str) -> bytes:
    """A token as hex digits of its COSE bytes, or as QR text ``KZT1:...``."""
    if text.startswith("KZT1:"):
        token = qr_text_to_token(text)
        if isinstance(token, TokenRejection):
            raise ConfigError(f"--token: {token.detail}")
        return token
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ConfigError("--token must be hex digits or QR text starting KZT1:") from None


def emulate_card(args: argparse.Namespace) -> int:
    from drivers.nfc import emulate_until_interrupted

    host, port = parse_udp(args.nfc)
    card = build_card(args)
    emulate_until_interrupted(card, host, port, args.hold, sys.stdout)
    return 0


def build_card(args: argparse.Namespace) -> EmulatedCard:
    """The emulated card the options describe; ConfigError for a wrong option."""
    builders = {
        "classic": _uid_card,
        "ultralight": _uid_card,
        "desfire": _desfire,
        "emv": _emv,
        "app": _app,
    }
    return builders[args.kind](args)


def _required_uid(args: argparse.Namespace) -> bytes:
    if args.uid is None:
        raise ConfigError(f"--uid is needed for a {args.kind} card, e.g. --uid 04A1B2C3")
    return parse_uid(args.uid)


def _uid_card(args: argparse.Namespace) -> EmulatedCard:
    from drivers.nfc import ClassicCard, UltralightCard

    uid = _required_uid(args)
    if args.kind == "ultralight" and len(uid) != 7:
        raise ConfigError("a MIFARE Ultralight has a 7-byte UID (14 hex digits)")
    return ClassicCard(uid) if args.kind == "classic" else UltralightCard(uid)


def _desfire(args: argparse.Namespace) -> EmulatedCard:
    from drivers.desfire import CardRecord, MasterKeyError, RecordError, load_master_key
    from drivers.nfc.emulated_media import desfire_card, desfire_clone

    uid = _required_uid(args)
    if len(uid) != 7:
        raise ConfigError("a DESFire transport card has a 7-byte UID (14 hex digits)")
    if args.clone:
        return desfire_clone(uid)
    if args.master_key_file is None or args.card_number is None:
        raise ConfigError("a DESFire card needs --master-key-file and --card-number (or --clone)")
    try:
        key = load_master_key(args.master_key_file)
        record = CardRecord(args.card_number, Category(args.category), _expiry(args.expires))
    except (MasterKeyError, RecordError) as error:
        raise ConfigError(str(error)) from None
    return desfire_card(uid, key, record)


def _expiry(text: str | None) -> date:
    if text is None:
        return date.today() + timedelta(days=3 * 365)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--expires {text!r} must be a date such as 2028-12-31") from None


def _emv(args: argparse.Namespace) -> EmulatedCard:
    from drivers.emv.card_model import CardModelError, load_card_model
    from drivers.nfc.emulated_media import emv_card

    if args.emv_file is None:
        raise ConfigError("an EMV card needs --emv-file with its JSON description (docs/emv.md)")
    try:
        model = load_card_model(Path(args.emv_file))
    except CardModelError as error:
        raise ConfigError(f"--emv-file: {error}") from None
    return emv_card(model, None if args.uid is None else parse_uid(args.uid))


def _app(args: argparse.Namespace) -> EmulatedCard:
    from drivers.nfc.emulated_media import app_phone

    if args.token is None:
        raise ConfigError("a phone with the app needs --token (hex, or QR text KZT1:...)")
    return app_phone(parse_token(args.token), None if args.uid is None else parse_uid(args.uid))
