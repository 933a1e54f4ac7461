"""What kind of card answered, from its type A activation bytes alone, and the
check of an Ultralight's serial-number pages. Pure functions."""

from __future__ import annotations

from enum import Enum

from drivers.nfc.picc import bcc

NXP = 0x04
SAK_ISO_DEP = 0x20
# SAK values of MIFARE Classic (1K, Mini, 4K, Infineon 1K, Plus SL2 2K/4K) and of
# SmartMX chips emulating a Classic beside ISO-DEP (0x28, 0x38).
CLASSIC_SAKS = frozenset({0x08, 0x09, 0x18, 0x88, 0x10, 0x11, 0x28, 0x38})


class CardKind(Enum):
    CLASSIC = "classic"
    ULTRALIGHT = "ultralight"
    ISO_DEP = "iso_dep"
    UNSUPPORTED = "unsupported"


def classify(sens_res: bytes, sak: int, uid: bytes) -> CardKind:
    """MIFARE Classic and Ultralight by SAK and UID; ISO-DEP by SAK bit 0x20."""
    if sens_res[:1] and sens_res[0] & 0x1F == 0:
        return CardKind.UNSUPPORTED  # Type 1 (Topaz)
    if sak & SAK_ISO_DEP:
        return CardKind.ISO_DEP
    if sak in CLASSIC_SAKS:
        return CardKind.CLASSIC
    if sak == 0x00 and len(uid) == 7 and uid[0] == NXP:
        return CardKind.ULTRALIGHT
    return CardKind.UNSUPPORTED


def speaks_classic(sak: int) -> bool:
    """True for a chip that also answers as a MIFARE Classic (SAK 0x28/0x38)."""
    return sak in CLASSIC_SAKS


def ultralight_page_problem(uid: bytes, data: bytes) -> str | None:
    """Why the answer to READ page 0 cannot come from the Ultralight with this
    UID, or None when the serial number and both BCCs match."""
    if len(data) != 16:
        return f"READ answered {len(data)} bytes instead of 16"
    if data[0:3] != uid[0:3] or data[4:8] != uid[3:7]:
        return "the serial number in pages 0-1 differs from the anticollision UID"
    if data[3] != bcc(b"\x88" + uid[0:3]):
        return "BCC0 in page 0 is wrong"
    if data[8] != bcc(uid[3:7]):
        return "BCC1 in page 2 is wrong"
    return None
