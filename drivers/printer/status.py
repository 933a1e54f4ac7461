"""ESC/POS real-time status bytes (DLE EOT n), read as printer faults.

Every status byte has bits 1 and 4 set and bits 0 and 7 clear; a byte that
does not is not a status reply (noise, or a printer that does not answer)
and tells nothing. Pure.
"""

from __future__ import annotations

from validator.printing import PrintFault

__all__ = ["DLE_EOT", "OFFLINE_CAUSE", "PAPER_SENSOR", "fault_in", "is_status", "query"]

DLE_EOT = b"\x10\x04"
OFFLINE_CAUSE = 2  # DLE EOT 2: cover open, paper-end stop, error
PAPER_SENSOR = 4  # DLE EOT 4: roll near end, roll end

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
_COVER_OPEN = 0x04
_PAPER_END_STOP = 0x20
_ERROR = 0x40
_ROLL_END = 0x60


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def fault_in(n: int, reply: bytes) -> PrintFault | None:
    """The fault a reply to DLE EOT ``n`` reports; None when it reports none
    or is not a status byte."""
    if len(reply) != 1 or reply[0] & _FIXED_MASK != _FIXED_BITS:
        return None
    byte = reply[0]
    if n == OFFLINE_CAUSE:
        if byte & _COVER_OPEN:
            return PrintFault.COVER_OPEN
        if byte & _PAPER_END_STOP:
            return PrintFault.NO_PAPER
        return PrintFault.NOT_READY if byte & _ERROR else None
    if n == PAPER_SENSOR and byte & _ROLL_END == _ROLL_END:
        return PrintFault.NO_PAPER
    return None


def is_status(reply: bytes) -> bool:
    return len(reply) == 1 and reply[0] & _FIXED_MASK == _FIXED_BITS
