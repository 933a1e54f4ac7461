"""The card side of ISO/IEC 14443-3 type A, as pure frame logic.

A ``Picc`` is one card in one field: it answers REQA/WUPA with the ATQA, runs
the anticollision loop (cascade tag 0x88, BCC, SAK with the cascade bit) for
4-, 7- and 10-byte UIDs, and hands every frame after selection to the card's
own ``respond``. No sockets, no clock: the UDP emulator drives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import reduce
from typing import Protocol, Self

REQA = b"\x26"
WUPA = b"\x52"
HLTA = b"\x50\x00"
CASCADE_TAG = 0x88
SEL_CODES = (0x93, 0x95, 0x97)
SAK_CASCADE = 0x04


class State(Enum):
    IDLE = "idle"
    READY = "ready"
    ACTIVE = "active"
    HALT = "halt"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a selected card does with one frame: the reply (None: silent) and
    the state it is in afterwards."""

    frame: bytes | None
    state: State = State.ACTIVE


MUTE = Answer(None, State.IDLE)
"""No answer, and deaf until selected again (a Type 2 tag on a bad command)."""


class EmulatedCard(Protocol):
    """What the field needs from an emulated card."""

    uid: bytes
    atqa: int  # as in datasheets: 0x0044 is sent as 44 00
    sak: int  # the SAK of the last cascade level
    label: str  # "MIFARE Classic 04A1B2C3", for people
    frames_left: int | None  # tearing: frames it takes part in before it leaves

    def reset(self) -> None:
        """The field went off or the card was deselected: forget protocol state."""
        ...

    def respond(self, frame: bytes) -> Answer:
        """Answer one frame received after selection."""
        ...

    def leave_after(self, frames: int) -> Self:
        """Take part in ``frames`` more frames, then leave the field."""
        ...


class Tearable:
    """Lets a card leave the field in the middle of a read: ``leave_after(n)``
    makes it answer ``n`` more frames after it is selected (anticollision does
    not count), then leave: ``leave_after(0)`` leaves before the first READ or
    RATS, ``leave_after(2)`` answers RATS and one APDU. The emulator counts."""

    frames_left: int | None = None

    def leave_after(self, frames: int) -> Self:
        if frames < 0:
            raise ValueError("a card takes part in zero or more frames")
        self.frames_left = frames
        return self


def bcc(data: bytes) -> int:
    """Block check character: the XOR of the bytes."""
    return reduce(lambda acc, byte: acc ^ byte, data, 0)


def cascade_levels(uid: bytes) -> list[bytes]:
    """The 4 UID bytes each cascade level carries (without BCC)."""
    if len(uid) == 4:
        return [uid]
    if len(uid) == 7:
        return [bytes([CASCADE_TAG]) + uid[:3], uid[3:]]
    if len(uid) == 10:
        return [bytes([CASCADE_TAG]) + uid[:3], bytes([CASCADE_TAG]) + uid[3:6], uid[6:]]
    raise ValueError(f"a type A UID has 4, 7 or 10 bytes, not {len(uid)}")


def sdd_res(uid: bytes, level: int) -> bytes:
    """The anticollision answer of one cascade level: 4 bytes and their BCC."""
    part = cascade_levels(uid)[level]
    return part + bytes([bcc(part)])


def sel_req(uid: bytes, level: int) -> bytes:
    """The SELECT command of one cascade level (NVB 0x70: all 40 bits)."""
    return bytes([SEL_CODES[level], 0x70]) + sdd_res(uid, level)


def sel_res(uid: bytes, level: int, sak: int) -> bytes:
    """The SAK a card sends on selection at one cascade level."""
    if level < len(cascade_levels(uid)) - 1:
        return bytes([SAK_CASCADE])
    return bytes([sak & ~SAK_CASCADE & 0xFF])


class Picc:
    """One emulated card in a field: ISO 14443-3A states and anticollision."""

    def __init__(self, card: EmulatedCard) -> None:
        self.card = card
        self.state = State.IDLE
        self.level = 0
        self._levels = len(cascade_levels(card.uid))

    def power_off(self) -> None:
        """The reader switched its field off: back to IDLE, protocol state lost."""
        self.state = State.IDLE
        self.level = 0
        self.card.reset()

    def handle(self, frame: bytes) -> bytes | None:
        """Process one frame from the reader; return the answer or None (silent)."""
        if self.state is State.ACTIVE:
            return self._active(frame)
        if frame == WUPA or (frame == REQA and self.state is State.IDLE):
            self.state, self.level = State.READY, 0
            return self.card.atqa.to_bytes(2, "little")
        if self.state is State.READY:
            return self._anticollision(frame)
        return None

    def _anticollision(self, frame: bytes) -> bytes | None:
        code = SEL_CODES[self.level]
        if frame == bytes([code, 0x20]):
            return sdd_res(self.card.uid, self.level)
        if frame == sel_req(self.card.uid, self.level):
            answer = sel_res(self.card.uid, self.level, self.card.sak)
            self.level += 1
            if self.level == self._levels:
                self.state = State.ACTIVE
            return answer
        self._fall_back()
        return None

    def _active(self, frame: bytes) -> bytes | None:
        if frame == HLTA:
            self.state = State.HALT
            self.card.reset()
            return None
        answer = self.card.respond(frame)
        if answer.state is not State.ACTIVE:
            self._fall_back(answer.state)
        return answer.frame

    def _fall_back(self, state: State = State.IDLE) -> None:
        self.state = State.HALT if state is State.HALT else State.IDLE
        self.level = 0
        self.card.reset()
