"""The secure media of `validator demo`: keys made fresh in the demo's
temporary folder (never a real key), and the emulated DESFire cards, bank
cards, phone wallets and app phones the scenes tap.

The bank cards are public test card numbers (Luhn-valid, not real cards).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from validator.config import SecurityConfig
from validator.model import Category
from validator.tokens import TokenClaims, TokenKind, issue_token

if TYPE_CHECKING:
    from drivers.nfc.picc import EmulatedCard

__all__ = ["BANK_CARDS", "DemoKeys", "make_demo_keys"]

TOKEN_LIFETIME = timedelta(minutes=5)

VISA: dict[str, Any] = {
    "name": "Visa Credit (test card)",
    "applications": [
        {
            "aid": "A0000000031010",
            "label": "VISA CREDIT",
            "priority": 1,
            "pdol": "9F66049F02069F03069F1A0295055F2A029A039C019F3704",
            "aip": "2000",
            "afl": "08010100",
            "gpo_format": 2,
            "gpo_data": "57134761739001010010D30122010000000000000F5F340101",
            "records": {"1.1": "701A5A0847617390010100105F24033012315F280203989F0702FF00"},
        }
    ],
}
WALLET: dict[str, Any] = {
    "name": "Phone wallet with a Visa device token",
    "applications": [
        {
            "aid": "A0000000031010",
            "label": "VISA",
            "priority": 1,
            "pdol": "9F66049F02069F37045F2A02",
            "aip": "0040",
            "afl": "18010100",
            "gpo_format": 2,
            "gpo_data": "57124895370012345671D281220100000000000F5F340100",
            "records": {"3.1": "70155A0848953700123456715F24032812315F28020840"},
        }
    ],
}
BANK_CARDS = {"visa": VISA, "wallet": WALLET}


@dataclass(frozen=True)
class DemoKeys:
    """The demo's keys: files for the validator, key material for the emulators."""

    folder: Path
    master_key: bytes = field(repr=False)
    ledger_key: Ed25519PrivateKey = field(repr=False)
    kid: bytes = b"demo-ledger-1"
    tokens: dict[str, bytes] = field(default_factory=dict)  # one token per phone

    def security(self, base: SecurityConfig) -> SecurityConfig:
        return SecurityConfig(
            desfire_master_key_file=self.folder / "desfire-master.key",
            fleet_key_file=self.folder / "fleet-pan.key",
            ledger_keys_file=self.folder / "ledger-keys.txt",
            token_leeway=base.token_leeway,
        )

    def app_token(self, phone: str, card_number: str) -> bytes:
        """The token a phone shows: made once, so showing it again is a replay."""
        if phone not in self.tokens:
            now = datetime.now(UTC)
            claims = TokenClaims(
                "kzt-ledger", card_number, TokenKind.APP, now, now + TOKEN_LIFETIME, os.urandom(16)
            )
            self.tokens[phone] = issue_token(claims, self.ledger_key, self.kid)
        return self.tokens[phone]


def make_demo_keys(folder: Path) -> DemoKeys:
    """Fresh keys in ``folder`` (mode 0600), as a depot provisions a unit."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = DemoKeys(folder, os.urandom(16), Ed25519PrivateKey.generate())
    _secret(folder / "desfire-master.key", keys.master_key.hex())
    _secret(folder / "fleet-pan.key", os.urandom(32).hex())
    public = keys.ledger_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    line = f"{keys.kid.hex()} {_base64(public)}  # the demo ledger\n"
    (folder / "ledger-keys.txt").write_text(line, encoding="ascii")
    return keys


def _secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")


def _base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def desfire(uid: str, card_number: str, category: str, keys: DemoKeys) -> EmulatedCard:
    from drivers.desfire import CardRecord
    from drivers.nfc.emulated_media import desfire_card

    expires = datetime.now(UTC).date() + timedelta(days=3 * 365)
    record = CardRecord(card_number, Category(category), expires)
    return desfire_card(bytes.fromhex(uid), keys.master_key, record)


def desfire_clone(uid: str) -> EmulatedCard:
    from drivers.nfc.emulated_media import desfire_clone as clone

    return clone(bytes.fromhex(uid))


def bank_card(name: str) -> EmulatedCard:
    from drivers.emv.card_model import EmvCardModel
    from drivers.nfc.emulated_media import emv_card

    return emv_card(EmvCardModel.from_mapping(BANK_CARDS[name]))


def app_phone(holder: str, card_number: str, keys: DemoKeys) -> EmulatedCard:
    from drivers.nfc.emulated_media import app_phone as phone

    return phone(keys.app_token(holder, card_number))
