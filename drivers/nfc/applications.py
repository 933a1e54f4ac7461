"""ISO-DEP applications the reader can hand a card to (DESFire, EMV, the app).

An application is tried by sending its SELECT command APDU; the first one the
card accepts (SW 9000, or 9100 for a DESFire native command) gets the card:
its handler is called with an ``exchange`` function, the SELECT response
data and the card's UID (DESFire keys are diversified from it), and returns
what was read. ``exchange`` raises ``CardExchangeFailed``
when the card leaves or breaks the protocol; the reader turns that into a
``ReadFailure``, so handlers need not catch it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from validator.ports import CardRead, ReadFailure, ReadProblem

Exchange = Callable[[bytes], bytes]
"""Command APDU in, response APDU (data + SW1 SW2) out."""

IsoDepHandler = Callable[[Exchange, bytes, bytes], CardRead | ReadFailure]
"""(exchange, SELECT response data without SW, UID) -> what was read."""

ACCEPTED_STATUS = (b"\x90\x00", b"\x91\x00")


class CardExchangeFailed(Exception):
    """An APDU exchange failed: the card left (CARD_LEFT) or broke the
    ISO-DEP protocol (GARBAGE)."""

    def __init__(self, problem: ReadProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def select_by_name(aid: bytes) -> bytes:
    """ISO 7816-4 SELECT by DF name, first or only occurrence, with Le 00."""
    if not 1 <= len(aid) <= 16:
        raise ValueError("an AID has 1 to 16 bytes")
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00"


@dataclass(frozen=True, slots=True)
class IsoDepApplication:
    """One application the validator takes on ISO-DEP cards."""

    name: str  # "EMV", "DESFire transport", "operator app"
    select: bytes  # command APDU, e.g. select_by_name(aid)
    handler: IsoDepHandler

    @classmethod
    def by_aid(cls, name: str, aid: bytes, handler: IsoDepHandler) -> IsoDepApplication:
        return cls(name, select_by_name(aid), handler)
