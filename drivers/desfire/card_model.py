"""An in-memory DESFire EV1 card that answers ISO-wrapped native APDUs as a
real card does: the PICC level, AES applications, standard data files,
AuthenticateAES with a random RndB, EV1 CMAC chaining after authentication,
and the card's status codes for every refusal.

Use an instance as the APDU handler of an emulated ISO-DEP card:
``card(apdu) -> response``. ``reset()`` is the field going off.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from drivers.desfire.crypto import (
    BLOCK,
    ZERO_IV,
    Ev1Session,
    aes_cbc_decrypt,
    aes_cbc_encrypt,
    aes_session_key,
    diversify_aes128,
    rotate_left,
    truncate_mac,
)
from drivers.desfire.profile import DEFAULT_PROFILE, DesfireProfile
from drivers.desfire.reader import ISO_CLA, SW1_DESFIRE, Command, Status
from drivers.desfire.record import CardRecord, encode_record

PICC_AID = bytes(3)
FREE = 0x0E  # access condition: no authentication needed
NEVER = 0x0F  # access condition: denied
FRAME_SIZE = 59  # data bytes a real card puts in one answer frame
_SW_WRONG_LENGTH = b"\x67\x00"
_SW_WRONG_P1P2 = b"\x6a\x86"
_SW_CLA_NOT_SUPPORTED = b"\x6e\x00"

Answer = tuple[int, bytes]


class CommMode(IntEnum):
    """File communication settings modelled here (enciphered mode is not).
    After an AES authentication an EV1 card MACs plain answers too."""

    PLAIN = 0x00
    MACED = 0x01


@dataclass
class StandardFile:
    data: bytes
    comm_mode: CommMode = CommMode.MACED
    read_key: int = 1
    read_write_key: int = 0

    def readers(self) -> tuple[int, int]:
        return self.read_key, self.read_write_key


@dataclass
class Application:
    keys: list[bytes]  # AES-128 keys, key number = index
    files: dict[int, StandardFile] = field(default_factory=dict)


@dataclass
class _PendingAuth:
    key_no: int
    key: bytes
    rnd_b: bytes
    rnd_b_enc: bytes


@dataclass
class _Session:
    key_no: int
    ev1: Ev1Session


def _parse_apdu(apdu: bytes) -> tuple[int, bytes] | bytes:
    """(INS, data) of an ISO-wrapped native command, else the ISO status word."""
    if apdu[:1] != bytes([ISO_CLA]):
        return _SW_CLA_NOT_SUPPORTED
    if len(apdu) < 4:
        return _SW_WRONG_LENGTH
    if apdu[2:4] != b"\x00\x00":
        return _SW_WRONG_P1P2
    if len(apdu) in (4, 5):
        return apdu[1], b""
    lc = apdu[4]
    if lc == 0 or len(apdu) not in (5 + lc, 6 + lc):
        return _SW_WRONG_LENGTH
    return apdu[1], apdu[5 : 5 + lc]


class DesfireCardModel:
    """A DESFire EV1 card in memory. ``tamper_mac`` flips a bit of every MAC
    it sends (a forged or corrupted card); a card without applications is a
    clone that copied only the UID."""

    def __init__(
        self,
        uid: bytes,
        picc_key: bytes = bytes(16),
        *,
        random: Callable[[int], bytes] = os.urandom,
        frame_size: int = FRAME_SIZE,
    ) -> None:
        self.uid = uid
        self.random = random
        self.frame_size = frame_size
        self.tamper_mac = False
        self.applications: dict[bytes, Application] = {PICC_AID: Application([picc_key])}
        self.reset()

    def reset(self) -> None:
        """The field went off: back to the PICC level, unauthenticated."""
        self._selected = PICC_AID
        self._session: _Session | None = None
        self._pending: _PendingAuth | None = None
        self._outbox = b""

    def add_application(self, aid: bytes, application: Application) -> None:
        self.applications[aid] = application

    def __call__(self, apdu: bytes) -> bytes:
        parsed = _parse_apdu(apdu)
        if isinstance(parsed, bytes):
            return parsed
        status, data = self._dispatch(*parsed)
        if status not in (Status.OK, Status.ADDITIONAL_FRAME):
            self._session = None  # any error ends the authentication
        return data + bytes([SW1_DESFIRE, status])

    def _dispatch(self, ins: int, data: bytes) -> Answer:
        pending, self._pending = self._pending, None
        outbox, self._outbox = self._outbox, b""
        if ins == Command.ADDITIONAL_FRAME:
            return self._continue(pending, outbox, data)
        handlers: dict[int, Callable[[bytes], Answer]] = {
            Command.SELECT_APPLICATION: self._select,
            Command.AUTHENTICATE_AES: self._authenticate,
            Command.READ_DATA: self._read_data,
        }
        handler = handlers.get(ins)
        return handler(data) if handler else (Status.ILLEGAL_COMMAND, b"")

    def _continue(self, pending: _PendingAuth | None, outbox: bytes, data: bytes) -> Answer:
        if pending is not None:
            return self._finish_authentication(pending, data)
        if outbox and not data:
            return self._send(outbox)
        return Status.ILLEGAL_COMMAND, b""

    def _select(self, aid: bytes) -> Answer:
        if len(aid) != 3:
            return Status.LENGTH_ERROR, b""
        self._session = None
        if aid not in self.applications:
            self._selected = PICC_AID
            return Status.APPLICATION_NOT_FOUND, b""
        self._selected = aid
        return Status.OK, b""

    def _authenticate(self, data: bytes) -> Answer:
        if len(data) != 1:
            return Status.LENGTH_ERROR, b""
        self._session = None
        keys = self.applications[self._selected].keys
        if data[0] >= len(keys):
            return Status.NO_SUCH_KEY, b""
        rnd_b = self.random(BLOCK)
        rnd_b_enc = aes_cbc_encrypt(keys[data[0]], ZERO_IV, rnd_b)
        self._pending = _PendingAuth(data[0], keys[data[0]], rnd_b, rnd_b_enc)
        return Status.ADDITIONAL_FRAME, rnd_b_enc

    def _finish_authentication(self, pending: _PendingAuth, token: bytes) -> Answer:
        if len(token) != 2 * BLOCK:
            return Status.LENGTH_ERROR, b""
        plain = aes_cbc_decrypt(pending.key, pending.rnd_b_enc, token)
        rnd_a, rnd_b_rotated = plain[:BLOCK], plain[BLOCK:]
        if rnd_b_rotated != rotate_left(pending.rnd_b):
            return Status.AUTHENTICATION_ERROR, b""
        session = Ev1Session(aes_session_key(rnd_a, pending.rnd_b))
        self._session = _Session(pending.key_no, session)
        return Status.OK, aes_cbc_encrypt(pending.key, token[-BLOCK:], rotate_left(rnd_a))

    def _read_data(self, params: bytes) -> Answer:
        if len(params) != 7:
            return Status.LENGTH_ERROR, b""
        file = self.applications[self._selected].files.get(params[0])
        if file is None:
            return Status.FILE_NOT_FOUND, b""
        refusal = self._read_refusal(file)
        if refusal is not None:
            return refusal, b""
        offset = int.from_bytes(params[1:4], "little")
        length = int.from_bytes(params[4:7], "little") or len(file.data) - offset
        if offset + length > len(file.data) or length <= 0:
            return Status.BOUNDARY_ERROR, b""
        return self._send(self._secure(params, file.data[offset : offset + length]))

    def _read_refusal(self, file: StandardFile) -> Status | None:
        if FREE in file.readers():
            return None
        if self._session is None:
            return Status.AUTHENTICATION_ERROR
        if self._session.key_no not in file.readers():
            return Status.PERMISSION_DENIED
        return None

    def _secure(self, params: bytes, data: bytes) -> bytes:
        """EV1 secure messaging of a successful ReadData answer: the command
        and the answer advance the CMAC chain; the 8-byte MAC goes along."""
        if self._session is None:
            return data
        self._session.ev1.advance(bytes([Command.READ_DATA]) + params)
        mac = truncate_mac(self._session.ev1.advance(data + bytes([Status.OK])))
        if self.tamper_mac:
            mac = bytes([mac[0] ^ 0x01]) + mac[1:]
        return data + mac

    def _send(self, answer: bytes) -> Answer:
        if len(answer) <= self.frame_size:
            return Status.OK, answer
        self._outbox = answer[self.frame_size :]
        return Status.ADDITIONAL_FRAME, answer[: self.frame_size]


def personalise(
    card: DesfireCardModel,
    master_key: bytes,
    record: CardRecord,
    profile: DesfireProfile = DEFAULT_PROFILE,
) -> None:
    """Give ``card`` the transit application of ``profile``: the read key
    diversified from ``master_key`` and the card's UID (AN10922), the other
    keys random, and the record file in MAC'd mode readable with that key."""
    key = diversify_aes128(master_key, card.uid, profile.aid, profile.system_identifier)
    keys = [card.random(BLOCK) for _ in range(max(2, profile.key_no + 1))]
    keys[profile.key_no] = key
    data = encode_record(record, profile.record_length)
    file = StandardFile(data, CommMode.MACED, read_key=profile.key_no, read_write_key=0)
    card.add_application(profile.aid, Application(keys, {profile.file_no: file}))
