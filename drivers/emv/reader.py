"""Read an EMV contactless card (or a phone wallet) far enough to pay a fare.

SELECT PPSE, choose the application by priority, SELECT AID, GET PROCESSING
OPTIONS with the PDOL filled from ``TerminalData``, READ RECORD along the
AFL, then take PAN, expiry and PAN sequence number from 5A/5F24/5F34 or the
track-2 equivalent (57). No cryptogram, no offline data authentication: the
validator decides offline on the PAN token and defers authorisation.

All I/O goes through ``exchange(apdu) -> response`` (data + SW1 SW2), which
raises ``CardLeft`` when the card leaves the field. Every failure comes back
as an ``EmvFailure`` value. The clear PAN is only in ``EmvRead.pan``, which
its ``repr`` masks; see docs/emv.md.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from drivers.emv.tlv import Tlv, TlvError, find, parse, parse_dol
from validator.pan import luhn_valid, mask_pan

__all__ = [
    "PPSE",
    "CardLeft",
    "EmvFailure",
    "EmvProblem",
    "EmvRead",
    "Exchange",
    "TerminalData",
    "build_pdol_data",
    "read_emv",
    "select_command",
    "split_status",
]

Exchange = Callable[[bytes], bytes]
PPSE = b"2PAY.SYS.DDF01"
SW_OK = 0x9000
SW_FILE_NOT_FOUND = 0x6A82
MAX_RECORDS = 32
MAX_PDOL_DATA = 250  # the 83 template and Lc must fit in one short APDU
# Payment system RIDs this reader takes: Visa, Mastercard, Amex, JCB,
# UnionPay, Mir. Other applications in the PPSE are skipped.
PAYMENT_RIDS = (
    "A000000003",
    "A000000004",
    "A000000025",
    "A000000065",
    "A000000333",
    "A000000658",
)
_NUMERIC_TAGS = frozenset({0x9F02, 0x9F03, 0x5F2A, 0x9F1A, 0x9A, 0x9C})


class CardLeft(Exception):
    """Raised by an ``exchange`` when the card left the field."""


class EmvProblem(StrEnum):
    CARD_LEFT = "card_left"  # present the card again
    GARBAGE = "garbage"  # malformed TLV, missing or impossible data
    NO_APPLICATION = "no_application"  # no payment application on this card
    DECLINED_BY_CARD = "declined_by_card"  # the card answered a status other than 9000


@dataclass(frozen=True, slots=True)
class EmvFailure:
    problem: EmvProblem
    detail: str  # never holds card data


@dataclass(frozen=True, slots=True)
class EmvRead:
    pan: str = field(repr=False)  # the clear PAN: tokenise it at once, never store or log it
    expiry: date  # the last day the card is valid
    pan_sequence: int | None  # 5F34, when the card has it
    aid: bytes
    label: str = ""

    @property
    def masked_pan(self) -> str:
        return mask_pan(self.pan)


@dataclass(frozen=True, slots=True)
class TerminalData:
    """What the terminal puts into the PDOL. ``amount`` in minor units (tiyn)."""

    amount: int
    unpredictable_number: bytes  # 4 random bytes, fresh for every tap
    transaction_date: date
    currency: int = 398  # ISO 4217: KZT
    country: int = 398  # ISO 3166-1: Kazakhstan
    transaction_type: int = 0x00  # purchase
    ttq: bytes = bytes.fromhex("36004000")  # qVSDC, contact chip, online PIN, signature, CDCVM
    accepted_rids: tuple[str, ...] = PAYMENT_RIDS

    def __post_init__(self) -> None:
        if not 0 <= self.amount < 10**12 or not 0 <= self.transaction_type <= 99:
            raise ValueError("amount is 0 to 12 digits, transaction type 0 to 99")
        if len(self.unpredictable_number) != 4 or len(self.ttq) != 4:
            raise ValueError("the unpredictable number and the TTQ are 4 bytes each")

    def dol_values(self) -> dict[int, bytes]:
        return {
            0x9F66: self.ttq,
            0x9F02: _bcd(self.amount, 6),
            0x9F03: _bcd(0, 6),
            0x5F2A: _bcd(self.currency, 2),
            0x9F1A: _bcd(self.country, 2),
            0x9F37: self.unpredictable_number,
            0x9A: _bcd_date(self.transaction_date),
            0x9C: _bcd(self.transaction_type, 1),
        }


class _Stop(Exception):
    def __init__(self, problem: EmvProblem, detail: str) -> None:
        super().__init__(detail)
        self.failure = EmvFailure(problem, detail)


def read_emv(exchange: Exchange, terminal: TerminalData) -> EmvRead | EmvFailure:
    try:
        return _read(exchange, terminal)
    except _Stop as stop:
        return stop.failure
    except CardLeft:
        return EmvFailure(EmvProblem.CARD_LEFT, "the card left the field")
    except TlvError as problem:
        return EmvFailure(EmvProblem.GARBAGE, f"malformed TLV: {problem}")


def _read(exchange: Exchange, terminal: TerminalData) -> EmvRead:
    ppse = _command(exchange, select_command(PPSE), "SELECT PPSE", no_app_on_6a82=True)
    for aid, label in _candidates(ppse, terminal.accepted_rids):
        fci = _select_application(exchange, aid)
        if fci is not None:
            data = _process(exchange, fci, terminal)
            return _card_data(data, aid, label)
    raise _Stop(EmvProblem.NO_APPLICATION, "no payment application could be selected")


def select_command(name: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(name)]) + name + b"\x00"


def split_status(response: bytes) -> tuple[bytes, int]:
    """Response data and the status word; ``ValueError`` when under 2 bytes."""
    if len(response) < 2:
        raise ValueError("a response APDU has at least two status bytes")
    return response[:-2], int.from_bytes(response[-2:], "big")


def _command(exchange: Exchange, apdu: bytes, what: str, no_app_on_6a82: bool = False) -> bytes:
    try:
        data, status = split_status(exchange(apdu))
    except ValueError:
        raise _Stop(EmvProblem.GARBAGE, f"{what}: response too short") from None
    if status == SW_FILE_NOT_FOUND and no_app_on_6a82:
        raise _Stop(EmvProblem.NO_APPLICATION, f"{what}: file not found (6A82)")
    if status != SW_OK:
        raise _Stop(EmvProblem.DECLINED_BY_CARD, f"{what}: status {status:04X}")
    return data


def _candidates(ppse: bytes, rids: Iterable[str]) -> list[tuple[bytes, str]]:
    """AIDs from the PPSE directory, best priority first (87: 1 is highest)."""
    entries = [e for e in _directory(parse(ppse)) if e[0].hex().upper().startswith(tuple(rids))]
    entries.sort(key=lambda entry: entry[1])
    return [(aid, label) for aid, _, label in entries]


def _directory(items: tuple[Tlv, ...]) -> Iterator[tuple[bytes, int, str]]:
    issuer_data = find(items, 0xBF0C)
    for entry in issuer_data.children if issuer_data else ():
        aid = find(entry.children, 0x4F)
        if entry.tag != 0x61 or aid is None:
            continue
        priority = find(entry.children, 0x87)
        rank = priority.value[0] & 0x0F if priority and len(priority.value) == 1 else 0
        yield aid.value, rank or 16, _label(entry.children)


def _label(items: tuple[Tlv, ...]) -> str:
    label = find(items, 0x50)
    return label.value.decode("ascii", "replace") if label else ""


def _select_application(exchange: Exchange, aid: bytes) -> tuple[Tlv, ...] | None:
    data, status = _status_of(exchange(select_command(aid)))
    if status != SW_OK:
        return None
    return parse(data)


def _status_of(response: bytes) -> tuple[bytes, int]:
    try:
        return split_status(response)
    except ValueError:
        raise _Stop(EmvProblem.GARBAGE, "response too short") from None


def _process(exchange: Exchange, fci: tuple[Tlv, ...], terminal: TerminalData) -> list[Tlv]:
    pdol = find(fci, 0x9F38)
    dol_data = build_pdol_data(pdol.value if pdol else b"", terminal)
    if len(dol_data) > MAX_PDOL_DATA:
        raise _Stop(EmvProblem.GARBAGE, f"the PDOL asks for {len(dol_data)} bytes")
    gpo = _command(exchange, _gpo_command(dol_data), "GET PROCESSING OPTIONS")
    afl, gpo_items = _gpo_response(gpo)
    records = [item for apdu in _record_commands(afl) for item in _record(exchange, apdu)]
    return gpo_items + records


def build_pdol_data(pdol: bytes, terminal: TerminalData) -> bytes:
    """The PDOL values concatenated; tags the terminal does not know are zeros."""
    values = terminal.dol_values()
    parts = []
    for tag, length in parse_dol(pdol):
        parts.append(_fit(tag, values.get(tag, bytes(length)), length))
    return b"".join(parts)


def _fit(tag: int, value: bytes, length: int) -> bytes:
    """EMV Book 3 5.4: numbers pad and cut on the left, other data on the right."""
    if tag in _NUMERIC_TAGS:
        return value[-length:].rjust(length, b"\x00") if length else b""
    return value[:length].ljust(length, b"\x00")


def _gpo_command(dol_data: bytes) -> bytes:
    template = bytes([0x83, len(dol_data)]) + dol_data
    return bytes([0x80, 0xA8, 0x00, 0x00, len(template)]) + template + b"\x00"


def _gpo_response(data: bytes) -> tuple[bytes, list[Tlv]]:
    items = parse(data)
    if len(items) != 1 or items[0].tag not in (0x80, 0x77):
        raise _Stop(EmvProblem.GARBAGE, "GPO response is neither format 1 nor format 2")
    top = items[0]
    if top.tag == 0x80:
        if len(top.value) < 2:
            raise _Stop(EmvProblem.GARBAGE, "GPO format 1 without AIP")
        return top.value[2:], []
    afl = find(top.children, 0x94)
    return (afl.value if afl else b""), list(top.children)


def _record_commands(afl: bytes) -> list[bytes]:
    if len(afl) % 4:
        raise _Stop(EmvProblem.GARBAGE, "AFL length is not a multiple of 4")
    commands = []
    for start in range(0, len(afl), 4):
        sfi, first, last = afl[start] >> 3, afl[start + 1], afl[start + 2]
        if not 1 <= sfi <= 30 or first == 0 or last < first or afl[start] & 0x07:
            raise _Stop(EmvProblem.GARBAGE, "AFL entry out of range")
        commands += [bytes([0x00, 0xB2, rec, sfi << 3 | 4, 0x00]) for rec in range(first, last + 1)]
    if len(commands) > MAX_RECORDS:
        raise _Stop(EmvProblem.GARBAGE, f"AFL names more than {MAX_RECORDS} records")
    return commands


def _record(exchange: Exchange, apdu: bytes) -> tuple[Tlv, ...]:
    items = parse(_command(exchange, apdu, f"READ RECORD {apdu[2]} of SFI {apdu[3] >> 3}"))
    if len(items) != 1 or items[0].tag != 0x70:
        raise _Stop(EmvProblem.GARBAGE, "record is not a 70 template")
    return items[0].children


def _card_data(items: list[Tlv], aid: bytes, label: str) -> EmvRead:
    pan_tlv, expiry_tlv, track2 = find(items, 0x5A), find(items, 0x5F24), find(items, 0x57)
    psn = find(items, 0x5F34)
    if pan_tlv and expiry_tlv:
        pan, expiry = _digits(pan_tlv.value), _expiry_yymmdd(_digits(expiry_tlv.value))
    elif track2:
        pan, expiry = _track2(track2.value)
    else:
        raise _Stop(EmvProblem.GARBAGE, "no PAN and expiry (5A/5F24) nor track 2 (57)")
    if not 12 <= len(pan) <= 19 or not luhn_valid(pan):
        raise _Stop(EmvProblem.GARBAGE, "the PAN is not a valid card number")
    sequence = int(_digits(psn.value)) if psn and len(psn.value) == 1 else None
    return EmvRead(pan=pan, expiry=expiry, pan_sequence=sequence, aid=aid, label=label)


def _digits(value: bytes) -> str:
    """BCD digits, trailing F padding removed; anything else is garbage."""
    text = value.hex().upper().rstrip("F")
    if not text.isdigit():
        raise _Stop(EmvProblem.GARBAGE, "a numeric field holds non-digits")
    return text


def _track2(value: bytes) -> tuple[str, date]:
    pan, separator, rest = value.hex().upper().rstrip("F").partition("D")
    if not separator or not pan.isdigit() or len(rest) < 4 or not rest[:4].isdigit():
        raise _Stop(EmvProblem.GARBAGE, "track 2 equivalent data is malformed")
    return pan, _month_end(int(rest[:2]), int(rest[2:4]))


def _expiry_yymmdd(text: str) -> date:
    if len(text) != 6:
        raise _Stop(EmvProblem.GARBAGE, "expiry date is not YYMMDD")
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        raise _Stop(EmvProblem.GARBAGE, "expiry date is not a date") from None


def _month_end(year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise _Stop(EmvProblem.GARBAGE, "expiry month out of range")
    full_year = 2000 + year
    return date(full_year, month, calendar.monthrange(full_year, month)[1])


def _bcd(value: int, length: int) -> bytes:
    return bytes.fromhex(str(value).rjust(length * 2, "0")[-length * 2 :])


def _bcd_date(day: date) -> bytes:
    return bytes.fromhex(day.strftime("%y%m%d"))
