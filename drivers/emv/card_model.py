"""An EMV contactless card, emulated from a JSON description.

For the demo, the tests and depot benches: it answers the APDUs a
contactless kernel sends (SELECT, GET PROCESSING OPTIONS, READ RECORD) the
way a card with these records would, including its errors (6A82 for an
unknown AID, 6700 for GPO data of the wrong length, 6A83 for a missing
record). The description format is in docs/emv.md; examples live in
tests/fixtures/emv/.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.emv.reader import PPSE
from drivers.emv.tlv import (
    Tlv,
    TlvError,
    constructed,
    encode,
    length_bytes,
    parse_dol,
    primitive,
)

__all__ = [
    "CardModelError",
    "EmvApplication",
    "EmvCardModel",
    "EmvCardSession",
    "load_card_model",
]

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_CONDITIONS = b"\x69\x85"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_RECORD_NOT_FOUND = b"\x6a\x83"
SW_WRONG_P1P2 = b"\x6a\x86"
SW_INS_UNKNOWN = b"\x6d\x00"


class CardModelError(ValueError):
    """The card description is not usable; the message names the key."""


@dataclass(frozen=True, slots=True)
class EmvApplication:
    aid: bytes
    label: str
    priority: int | None
    pdol: bytes
    aip: bytes
    afl: bytes
    gpo_format: int  # 1: tag 80, AIP + AFL; 2: tag 77 with 82, 94 and gpo_data
    gpo_data: bytes  # more TLV objects in a format 2 response (track 2, cryptogram…)
    records: Mapping[tuple[int, int], bytes]  # (SFI, record) -> the whole record, hex TLV

    def fci(self) -> bytes:
        proprietary = [primitive(0x50, self.label.encode("ascii"))]
        if self.priority is not None:
            proprietary.append(primitive(0x87, bytes([self.priority])))
        if self.pdol:
            proprietary.append(primitive(0x9F38, self.pdol))
        return constructed(
            0x6F, primitive(0x84, self.aid), constructed(0xA5, *proprietary)
        ).encode()

    def directory_entry(self) -> Tlv:
        items = [primitive(0x4F, self.aid), primitive(0x50, self.label.encode("ascii"))]
        if self.priority is not None:
            items.append(primitive(0x87, bytes([self.priority])))
        return constructed(0x61, *items)

    def gpo_response(self) -> bytes:
        if self.gpo_format == 1:
            return primitive(0x80, self.aip + self.afl).encode()
        body = encode([primitive(0x82, self.aip), primitive(0x94, self.afl)]) + self.gpo_data
        return bytes([0x77]) + length_bytes(len(body)) + body


@dataclass(frozen=True, slots=True)
class EmvCardModel:
    name: str
    applications: tuple[EmvApplication, ...]
    has_ppse: bool = True
    ppse_response: bytes | None = None  # replaces the generated PPSE FCI when set

    def ppse_fci(self) -> bytes:
        if self.ppse_response is not None:
            return self.ppse_response
        entries = [app.directory_entry() for app in self.applications]
        issuer = constructed(0xBF0C, *entries)
        return constructed(0x6F, primitive(0x84, PPSE), constructed(0xA5, issuer)).encode()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> EmvCardModel:
        apps = _get(raw, "applications", list, "")
        ppse = raw.get("ppse_response")
        return cls(
            name=_get(raw, "name", str, ""),
            applications=tuple(
                _application(app, f"applications[{i}]") for i, app in enumerate(apps)
            ),
            has_ppse=_get(raw, "ppse", bool, "", default=True),
            ppse_response=None if ppse is None else _hex(ppse, "ppse_response"),
        )


def load_card_model(path: Path) -> EmvCardModel:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise CardModelError(f"{path}: {problem}") from None
    if not isinstance(raw, dict):
        raise CardModelError(f"{path}: the top level must be an object")
    return EmvCardModel.from_mapping(raw)


@dataclass
class EmvCardSession:
    """One card in the field: call it with a command APDU, get the response."""

    card: EmvCardModel
    selected: EmvApplication | None = None
    transcript: list[tuple[bytes, bytes]] = field(default_factory=list)

    def __call__(self, apdu: bytes) -> bytes:
        response = self._answer(bytes(apdu))
        self.transcript.append((bytes(apdu), response))
        return response

    def _answer(self, apdu: bytes) -> bytes:
        header = apdu[:2]
        if header == b"\x00\xa4" and len(apdu) >= 5:
            return self._select(apdu[5 : 5 + apdu[4]])
        if header == b"\x80\xa8" and len(apdu) >= 5:
            return self._gpo(apdu[5 : 5 + apdu[4]])
        if header == b"\x00\xb2" and len(apdu) >= 4:
            return self._read_record(apdu[2], apdu[3])
        return SW_INS_UNKNOWN

    def _select(self, name: bytes) -> bytes:
        self.selected = None
        if name == PPSE:
            return self.card.ppse_fci() + SW_OK if self.card.has_ppse else SW_FILE_NOT_FOUND
        for app in self.card.applications:
            if app.aid == name:
                self.selected = app
                return app.fci() + SW_OK
        return SW_FILE_NOT_FOUND

    def _gpo(self, data: bytes) -> bytes:
        app = self.selected
        if app is None:
            return SW_CONDITIONS
        expected = sum(length for _, length in parse_dol(app.pdol))
        if len(data) < 2 or data[0] != 0x83 or data[1] != expected or len(data) != 2 + expected:
            return SW_WRONG_LENGTH
        return app.gpo_response() + SW_OK

    def _read_record(self, record: int, p2: int) -> bytes:
        if p2 & 0x07 != 0x04:
            return SW_WRONG_P1P2
        if self.selected is None:
            return SW_CONDITIONS
        data = self.selected.records.get((p2 >> 3, record))
        return SW_RECORD_NOT_FOUND if data is None else data + SW_OK


def _application(raw: Any, where: str) -> EmvApplication:
    if not isinstance(raw, dict):
        raise CardModelError(f"{where}: must be an object")
    records = _get(raw, "records", dict, where, default={})
    priority = raw.get("priority")
    if priority is not None and (type(priority) is not int or not 0 <= priority <= 255):
        raise CardModelError(f"{where}.priority: an integer 0-255")
    app = EmvApplication(
        aid=_hex(_get(raw, "aid", str, where), f"{where}.aid"),
        label=_get(raw, "label", str, where, default=""),
        priority=priority,
        pdol=_hex(_get(raw, "pdol", str, where, default=""), f"{where}.pdol"),
        aip=_hex(_get(raw, "aip", str, where), f"{where}.aip"),
        afl=_hex(_get(raw, "afl", str, where, default=""), f"{where}.afl"),
        gpo_format=_get(raw, "gpo_format", int, where, default=2),
        gpo_data=_hex(_get(raw, "gpo_data", str, where, default=""), f"{where}.gpo_data"),
        records={
            _record_key(key, where): _hex(value, f"{where}.records.{key}")
            for key, value in records.items()
        },
    )
    _check_application(app, where)
    return app


def _check_application(app: EmvApplication, where: str) -> None:
    if app.gpo_format not in (1, 2):
        raise CardModelError(f"{where}.gpo_format: 1 or 2")
    try:
        parse_dol(app.pdol)
    except TlvError as problem:
        raise CardModelError(f"{where}.pdol: {problem}") from None


def _record_key(key: str, where: str) -> tuple[int, int]:
    sfi, dot, record = key.partition(".")
    if not dot or not sfi.isdigit() or not record.isdigit():
        raise CardModelError(f"{where}.records: keys are 'SFI.RECORD', like '1.1', not {key!r}")
    return int(sfi), int(record)


def _get(raw: Mapping[str, Any], key: str, kind: type, where: str, default: Any = None) -> Any:
    value = raw.get(key, default)
    if value is None or type(value) is not kind:
        path = f"{where}.{key}" if where else key
        raise CardModelError(f"{path}: expected {kind.__name__}")
    return value


def _hex(value: Any, where: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise CardModelError(f"{where}: expected hex digits") from None
