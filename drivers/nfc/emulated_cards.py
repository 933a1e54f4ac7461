"""Emulated MIFARE Classic and Ultralight cards, and misbehaving variants.

Each card answers the frames a reader sends after selection (see ``picc``);
anticollision is the field's job. They behave like the real chips where the
reader can tell: a Classic does not answer a Type 2 READ before Crypto1
authentication and goes mute; an Ultralight EV1 answers READ (4 pages, with
wrap-around) and GET_VERSION, and goes mute on anything it does not know.
"""

from __future__ import annotations

from drivers.nfc.picc import MUTE, Answer, State, Tearable, bcc

READ = 0x30
GET_VERSION = 0x60
NAK = b"\x00"  # 4-bit NAK 0h: invalid argument
MF0UL11_VERSION = bytes.fromhex("0004030101000B03")
MF0UL11_PAGES = 20


def ultralight_pages(uid: bytes, pages: int = MF0UL11_PAGES) -> bytes:
    """A blank Ultralight memory image for this 7-byte UID: serial number with
    both BCCs in pages 0-2, capability container in page 3, zeros after."""
    if len(uid) != 7:
        raise ValueError("a MIFARE Ultralight has a 7-byte UID")
    head = uid[:3] + bytes([bcc(b"\x88" + uid[:3])]) + uid[3:]
    head += bytes([bcc(uid[3:]), 0x48, 0x00, 0x00]) + bytes.fromhex("E1100600")
    return head + bytes(4 * pages - len(head))


class ClassicCard(Tearable):
    """A MIFARE Classic 1K: identified by its UID; mute on Type 2 commands."""

    sak = 0x08

    def __init__(self, uid: bytes) -> None:
        self.uid = bytes(uid)
        self.atqa = 0x0004 if len(uid) == 4 else 0x0044
        self.label = f"MIFARE Classic {self.uid.hex().upper()}"

    def reset(self) -> None:
        """A Classic keeps no state the emulator models."""

    def respond(self, frame: bytes) -> Answer:
        """READ (30) and GET_VERSION (60) need Crypto1 first: no answer."""
        return MUTE


class UltralightCard(Tearable):
    """A MIFARE Ultralight EV1 (MF0UL11) with a 7-byte NXP UID."""

    atqa = 0x0044
    sak = 0x00

    def __init__(self, uid: bytes, pages: bytes | None = None) -> None:
        self.uid = bytes(uid)
        self.memory = ultralight_pages(self.uid) if pages is None else bytes(pages)
        if not self.memory or len(self.memory) % 4:
            raise ValueError("Ultralight memory is a whole number of 4-byte pages")
        self.label = f"MIFARE Ultralight {self.uid.hex().upper()}"

    def reset(self) -> None:
        """An Ultralight keeps no session state the emulator models."""

    def respond(self, frame: bytes) -> Answer:
        if len(frame) == 2 and frame[0] == READ:
            return self.read(frame[1])
        if frame == bytes([GET_VERSION]):
            return Answer(MF0UL11_VERSION)
        return MUTE

    def read(self, page: int) -> Answer:
        """Four pages from ``page``, wrapping to page 0 past the end."""
        count = len(self.memory) // 4
        if page >= count:
            return Answer(NAK, State.IDLE)
        size = len(self.memory)
        return Answer(bytes(self.memory[(4 * page + i) % size] for i in range(16)))


class GarbageUltralightCard(UltralightCard):
    """An Ultralight whose every READ is answered with ``answer``, verbatim:
    for a damaged chip, a clone or a fuzzer."""

    def __init__(self, uid: bytes, answer: bytes) -> None:
        super().__init__(uid)
        self.answer = bytes(answer)

    def read(self, page: int) -> Answer:
        return Answer(self.answer)
