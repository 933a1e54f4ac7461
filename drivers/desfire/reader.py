"""Reader side of a DESFire transport-card tap, pure: all I/O goes through an
``exchange(apdu) -> response`` callable (the nfc driver's ISO-DEP exchange).

Select the application, AuthenticateAES with the card key diversified from the
master key (AN10922), read the record file in MAC'd mode and check the CMAC.
Every failure comes back as a ``DesfireFailure`` value with a reason; nothing
raises out of ``read_transport_card``.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from drivers.desfire.crypto import (
    BLOCK,
    MAC_LENGTH,
    ZERO_IV,
    Ev1Session,
    aes_cbc_decrypt,
    aes_cbc_encrypt,
    aes_session_key,
    diversify_aes128,
    rotate_left,
    truncate_mac,
)
from drivers.desfire.profile import DesfireProfile
from drivers.desfire.record import CardRecord, RecordError, decode_record
from validator.model import Medium, Presentation
from validator.ports import CardRead, ReadFailure, ReadProblem

Exchange = Callable[[bytes], bytes]
"""Send one command APDU to the card, return its whole response APDU."""

ISO_CLA = 0x90
SW1_DESFIRE = 0x91
MAX_FRAMES = 16  # a longer chain of additional frames is not a real card


class Command(IntEnum):
    """DESFire EV1 native command codes used here."""

    SELECT_APPLICATION = 0x5A
    AUTHENTICATE_AES = 0xAA
    READ_DATA = 0xBD
    ADDITIONAL_FRAME = 0xAF


class Status(IntEnum):
    """DESFire status codes (SW2 after 0x91)."""

    OK = 0x00
    NO_CHANGES = 0x0C
    ILLEGAL_COMMAND = 0x1C
    INTEGRITY_ERROR = 0x1E
    NO_SUCH_KEY = 0x40
    LENGTH_ERROR = 0x7E
    PERMISSION_DENIED = 0x9D
    PARAMETER_ERROR = 0x9E
    APPLICATION_NOT_FOUND = 0xA0
    AUTHENTICATION_ERROR = 0xAE
    ADDITIONAL_FRAME = 0xAF
    BOUNDARY_ERROR = 0xBE
    COMMAND_ABORTED = 0xCA
    FILE_NOT_FOUND = 0xF0


class CardLeft(Exception):
    """Raised by an exchange when the card left the field mid-command."""


class DesfireProblem(StrEnum):
    AUTH_FAILED = "auth_failed"  # the card does not hold our key: clone or foreign card
    NO_APPLICATION = "no_application"  # no transit application or record file
    BAD_MAC = "bad_mac"  # the record's CMAC does not verify
    CARD_LEFT = "card_left"  # torn off mid-exchange: present again
    GARBAGE = "garbage"  # an answer no real card gives


@dataclass(frozen=True, slots=True)
class DesfireRead:
    record: CardRecord


@dataclass(frozen=True, slots=True)
class DesfireFailure:
    problem: DesfireProblem
    detail: str


DesfireResult = DesfireRead | DesfireFailure


class DesfireError(Exception):
    """Raised by the step functions (``select_application``, ``authenticate_aes``,
    ``read_maced``); ``read_transport_card`` turns it into its ``failure``."""

    def __init__(self, problem: DesfireProblem, detail: str) -> None:
        super().__init__(detail)
        self.failure = DesfireFailure(problem, detail)


def wrap(command: int, data: bytes = b"") -> bytes:
    """ISO 7816-4 wrapping of a native command: 90 INS 00 00 [Lc data] 00."""
    body = bytes([len(data)]) + data if data else b""
    return bytes([ISO_CLA, command, 0x00, 0x00]) + body + b"\x00"


def unwrap(response: bytes) -> tuple[int, bytes]:
    """(status, data) of a wrapped answer: data || 91 status."""
    if len(response) < 2 or response[-2] != SW1_DESFIRE:
        sw = response[-2:].hex().upper() or "nothing"
        raise DesfireError(DesfireProblem.GARBAGE, f"not a DESFire answer (ends {sw})")
    return response[-1], response[:-2]


def _status_name(status: int) -> str:
    try:
        return Status(status).name
    except ValueError:
        return f"status {status:02X}"


def _unexpected(status: int, step: str) -> DesfireError:
    problem = DesfireProblem.GARBAGE
    if status in (Status.AUTHENTICATION_ERROR, Status.PERMISSION_DENIED, Status.NO_SUCH_KEY):
        problem = DesfireProblem.AUTH_FAILED
    elif status in (Status.APPLICATION_NOT_FOUND, Status.FILE_NOT_FOUND):
        problem = DesfireProblem.NO_APPLICATION
    return DesfireError(problem, f"{step}: {_status_name(status)}")


def _transceive(exchange: Exchange, command: int, data: bytes = b"") -> tuple[int, bytes]:
    return unwrap(exchange(wrap(command, data)))


def _expect(status: int, data: bytes, wanted: Status, length: int, step: str) -> None:
    if status != wanted:
        raise _unexpected(status, step)
    if len(data) != length:
        raise DesfireError(DesfireProblem.GARBAGE, f"{step}: {len(data)} bytes, expected {length}")


def select_application(exchange: Exchange, aid: bytes) -> None:
    status, data = _transceive(exchange, Command.SELECT_APPLICATION, aid)
    _expect(status, data, Status.OK, 0, f"select application {aid.hex().upper()}")


def authenticate_aes(exchange: Exchange, key_no: int, key: bytes, rnd_a: bytes) -> Ev1Session:
    """EV1 AuthenticateAES (0xAA) with ``key``; the EV1 session on success."""
    status, rnd_b_enc = _transceive(exchange, Command.AUTHENTICATE_AES, bytes([key_no]))
    _expect(status, rnd_b_enc, Status.ADDITIONAL_FRAME, BLOCK, "authenticate")
    rnd_b = aes_cbc_decrypt(key, ZERO_IV, rnd_b_enc)
    token = aes_cbc_encrypt(key, rnd_b_enc, rnd_a + rotate_left(rnd_b))
    status, rnd_a_enc = _transceive(exchange, Command.ADDITIONAL_FRAME, token)
    _expect(status, rnd_a_enc, Status.OK, BLOCK, "authenticate")
    if aes_cbc_decrypt(key, token[-BLOCK:], rnd_a_enc) != rotate_left(rnd_a):
        raise DesfireError(
            DesfireProblem.AUTH_FAILED, "authenticate: the card does not know the key"
        )
    return Ev1Session(aes_session_key(rnd_a, rnd_b))


def _read_frames(exchange: Exchange, params: bytes) -> bytes:
    status, data = _transceive(exchange, Command.READ_DATA, params)
    frames = [data]
    while status == Status.ADDITIONAL_FRAME and len(frames) < MAX_FRAMES:
        status, data = _transceive(exchange, Command.ADDITIONAL_FRAME)
        frames.append(data)
    if status != Status.OK:
        raise _unexpected(status, "read data")
    return b"".join(frames)


def read_maced(exchange: Exchange, session: Ev1Session, file_no: int, length: int) -> bytes:
    """ReadData (0xBD) of ``length`` bytes from offset 0 in MAC'd mode; the data
    once its CMAC verifies."""
    params = bytes([file_no]) + (0).to_bytes(3, "little") + length.to_bytes(3, "little")
    session.advance(bytes([Command.READ_DATA]) + params)
    answer = _read_frames(exchange, params)
    if len(answer) != length + MAC_LENGTH:
        raise DesfireError(DesfireProblem.GARBAGE, f"read data: {len(answer)} bytes")
    data, mac = answer[:length], answer[length:]
    expected = truncate_mac(session.advance(data + bytes([Status.OK])))
    if not hmac.compare_digest(mac, expected):
        raise DesfireError(DesfireProblem.BAD_MAC, "read data: the CMAC does not verify")
    return data


def _card_key(master_key: bytes, uid: bytes, profile: DesfireProfile) -> bytes:
    try:
        return diversify_aes128(master_key, uid, profile.aid, profile.system_identifier)
    except ValueError as error:
        raise DesfireError(
            DesfireProblem.GARBAGE, f"cannot diversify for this UID: {error}"
        ) from None


def _decode(data: bytes) -> CardRecord:
    try:
        return decode_record(data)
    except RecordError as error:
        raise DesfireError(DesfireProblem.GARBAGE, f"record: {error}") from None


def read_transport_card(
    exchange: Exchange,
    uid: bytes,
    profile: DesfireProfile,
    master_key: bytes,
    random: Callable[[int], bytes] = os.urandom,
) -> DesfireResult:
    """Read and verify the card record; a failure value, never an exception."""
    try:
        key = _card_key(master_key, uid, profile)
        select_application(exchange, profile.aid)
        session = authenticate_aes(exchange, profile.key_no, key, random(BLOCK))
        data = read_maced(exchange, session, profile.file_no, profile.record_length)
        return DesfireRead(_decode(data))
    except CardLeft:
        return DesfireFailure(DesfireProblem.CARD_LEFT, "the card left the field")
    except DesfireError as error:
        return error.failure


def to_port_result(result: DesfireResult, uid: bytes) -> CardRead | ReadFailure:
    """The reader port's value for a DESFire result. A card that fails
    authentication or lacks the application is UNSUPPORTED (declined, never
    mapped through its UID): a clone copies the UID, not the key."""
    uid_hex = uid.hex().upper()
    if isinstance(result, DesfireRead):
        number = result.record.card_number
        return CardRead(Presentation(Medium.DESFIRE, uid=uid_hex, card_number=number))
    problem = {
        DesfireProblem.CARD_LEFT: ReadProblem.CARD_LEFT,
        DesfireProblem.GARBAGE: ReadProblem.GARBAGE,
        DesfireProblem.BAD_MAC: ReadProblem.GARBAGE,
    }.get(result.problem, ReadProblem.UNSUPPORTED)
    detail = f"DESFire {result.problem.value}: {result.detail}"
    return ReadFailure(problem, detail, uid=uid_hex, medium=Medium.DESFIRE)
