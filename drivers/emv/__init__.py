"""EMV contactless: BER-TLV, the card-reading flow, and a card emulator.

Pure protocol logic; the APDUs travel through an ``exchange`` callable that
the nfcpy driver (or the emulator) provides.
"""

from __future__ import annotations

from drivers.emv.reader import (
    CardLeft,
    EmvFailure,
    EmvProblem,
    EmvRead,
    Exchange,
    TerminalData,
    read_emv,
)
from drivers.emv.tlv import Tlv, TlvError
from validator.ports import ReadProblem

__all__ = [
    "CardLeft",
    "EmvFailure",
    "EmvProblem",
    "EmvRead",
    "Exchange",
    "TerminalData",
    "Tlv",
    "TlvError",
    "read_emv",
    "read_problem",
]

_READ_PROBLEMS = {
    EmvProblem.CARD_LEFT: ReadProblem.CARD_LEFT,
    EmvProblem.GARBAGE: ReadProblem.GARBAGE,
    EmvProblem.NO_APPLICATION: ReadProblem.UNSUPPORTED,
    EmvProblem.DECLINED_BY_CARD: ReadProblem.UNSUPPORTED,
}


def read_problem(failure: EmvFailure) -> ReadProblem:
    """The port's ``ReadProblem`` for an EMV failure (for ``ReadFailure``)."""
    return _READ_PROBLEMS[failure.problem]
