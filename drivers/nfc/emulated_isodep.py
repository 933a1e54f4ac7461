"""An emulated ISO/IEC 14443-4 (ISO-DEP, Type 4A) card with a pluggable APDU
handler: DESFire, EMV and phone emulators give it their ``apdu_handler``.

After selection (SAK 0x20) the card answers RATS with its ATS, then runs the
half-duplex block protocol: I-blocks with block-number toggling, chaining in
both directions with R(ACK), R(NAK) answered by retransmission or R(ACK), and
S(DESELECT).
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.nfc.picc import MUTE, Answer, State, Tearable

ApduHandler = Callable[[bytes], bytes]
"""Command APDU in, response APDU (data + SW1 SW2) out."""

DESFIRE_ATS = bytes.fromhex("067577810280")  # FSCI 5 (64 bytes), FWI 8 (77 ms)
RATS = 0xE0
DESELECT = 0xC2
FSD = (16, 24, 32, 40, 48, 64, 96, 128, 256)


def _is_i_block(pcb: int) -> bool:
    return pcb & 0xE2 == 0x02


def _is_r_block(pcb: int) -> bool:
    return pcb & 0xE6 == 0xA2


class IsoDepCard(Tearable):
    """A Type 4A card: answers RATS, then feeds whole APDUs to ``apdu_handler``."""

    def __init__(
        self,
        uid: bytes,
        apdu_handler: ApduHandler,
        *,
        ats: bytes = DESFIRE_ATS,
        atqa: int | None = None,
        name: str = "ISO-DEP card",
    ) -> None:
        self.uid = bytes(uid)
        self.apdu_handler = apdu_handler
        self.ats = bytes(ats)
        self.atqa = atqa if atqa is not None else (0x0344 if len(uid) == 7 else 0x0004)
        self.sak = 0x20
        self.label = f"{name} {self.uid.hex().upper()}"
        self.reset()

    def reset(self) -> None:
        self._layer4 = False
        self._block = 1  # PICC block number, 1 after activation (ISO 14443-4 rule D)
        self._fsd = 256
        self._last = b""
        self._received = b""
        self._pending: list[bytes] = []

    def respond(self, frame: bytes) -> Answer:
        if not frame:
            return MUTE
        if not self._layer4:
            return self._rats(frame)
        if _is_i_block(frame[0]):
            return self._send(self._i_block(frame))
        if _is_r_block(frame[0]):
            return self._send(self._r_block(frame[0]))
        if frame[0] == DESELECT:
            return Answer(bytes([DESELECT]), State.HALT)
        return Answer(None)

    def _rats(self, frame: bytes) -> Answer:
        if len(frame) != 2 or frame[0] != RATS:
            return MUTE
        self._layer4 = True
        self._fsd = FSD[min(frame[1] >> 4, 8)]
        return Answer(self.ats)

    def _send(self, block: bytes) -> Answer:
        self._last = block
        return Answer(block)

    def _i_block(self, frame: bytes) -> bytes:
        self._block = frame[0] & 0x01
        self._received += frame[1:]
        if frame[0] & 0x10:  # chained: acknowledge, wait for the rest
            return bytes([0xA2 | self._block])
        apdu, self._received = self._received, b""
        response = self.apdu_handler(apdu)
        size = self._fsd - 3  # PCB and CRC
        self._pending = [response[i : i + size] for i in range(0, len(response), size)] or [b""]
        return self._next_chunk()

    def _next_chunk(self) -> bytes:
        chunk = self._pending.pop(0)
        more = 0x10 if self._pending else 0x00
        return bytes([0x02 | more | self._block]) + chunk

    def _r_block(self, pcb: int) -> bytes:
        if pcb & 0x01 == self._block:
            return self._last  # the reader missed our last block
        if pcb & 0x10:  # R(NAK) for a block we never sent: presence check
            return bytes([0xA2 | self._block])
        if not self._pending:
            return self._last
        self._block ^= 1
        return self._next_chunk()
