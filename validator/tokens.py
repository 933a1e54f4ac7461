"""The signed token of the operator's app, QR cards and tickets.

A CWT (RFC 8392) carried in a COSE_Sign1 (RFC 9052, tag 18) signed with
EdDSA over Ed25519; the key id (``kid``) sits in the protected header. The
COSE structure is built and checked here with cbor2 and cryptography
directly: the Sig_structure of RFC 9052 section 4.4 is four CBOR items.
Format details for other implementers: docs/tokens.md.

Pure: no I/O, the time is a parameter. Every way a token can be wrong comes
back as a ``TokenRejection`` value, never as an exception.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from validator.base45 import Base45Error, base45_decode, base45_encode

__all__ = [
    "MAX_TOKEN_BYTES",
    "QR_PREFIX",
    "RejectReason",
    "TicketFields",
    "TokenClaims",
    "TokenKind",
    "TokenRejection",
    "issue_token",
    "qr_text_to_token",
    "sig_structure",
    "token_to_qr_text",
    "verify_token",
]

MAX_TOKEN_BYTES = 2048
QR_PREFIX = "KZT1:"

COSE_SIGN1_TAG = 18
CWT_TAG = 61
_ALG, _KID, _CRIT = 1, 4, 2
_EDDSA = -8
_ISS, _SUB, _EXP, _NBF, _IAT, _CTI = 1, 2, 4, 5, 6, 7
# Private-use CWT claim keys (RFC 8392 section 9.1: below -65536).
_KIND, _ROUTE, _BUS, _VALID_FROM, _VALID_UNTIL = -65537, -65538, -65539, -65540, -65541
_SIGNATURE_BYTES = 64
_T = TypeVar("_T")


class TokenKind(StrEnum):
    APP = "app"  # the app's short-lived payment token (NFC, QR, Bluetooth)
    QR_CARD = "qr_card"  # a printed QR card naming a card number
    TICKET = "ticket"  # a ticket bound to a route and a bus


class RejectReason(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_KIND = "wrong_kind"


@dataclass(frozen=True, slots=True)
class TokenRejection:
    reason: RejectReason
    detail: str


@dataclass(frozen=True, slots=True)
class TicketFields:
    route: str
    bus: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a token says. Times are whole seconds, timezone-aware (UTC)."""

    issuer: str  # iss
    subject: str  # sub: the card number (19 digits)
    kind: TokenKind
    issued_at: datetime  # iat
    expires: datetime  # exp
    token_id: bytes  # cti: single-use id, the replay cache keys on it
    not_before: datetime | None = None  # nbf
    ticket: TicketFields | None = None


class _Malformed(Exception):
    pass


def issue_token(claims: TokenClaims, key: Ed25519PrivateKey, kid: bytes) -> bytes:
    """Sign ``claims`` and return the COSE_Sign1 bytes (CBOR tag 18)."""
    protected = cbor2.dumps({_ALG: _EDDSA, _KID: bytes(kid)})
    payload = cbor2.dumps(_claims_map(claims))
    signature = key.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes signed for a COSE_Sign1 (RFC 9052 section 4.4)."""
    return cbor2.dumps(["Signature1", protected, external_aad, payload])


def verify_token(
    data: bytes,
    keys: Mapping[bytes, Ed25519PublicKey],
    now: datetime,
    leeway_s: int,
    *,
    kinds: Collection[TokenKind] = (TokenKind.APP,),
) -> TokenClaims | TokenRejection:
    """Check signature, key id, kind and validity window of one token.

    ``keys`` are the pinned ledger (or device) keys by key id; ``leeway_s`` is
    the clock tolerance in seconds, applied to exp, nbf and iat; ``kinds`` are
    the token kinds this caller takes. Single use (cti) is the caller's check.
    """
    try:
        protected, payload, signature = _unwrap(data)
        kid = _kid(protected)
    except _Malformed as problem:
        return TokenRejection(RejectReason.MALFORMED, str(problem))
    key = keys.get(kid)
    if key is None:
        return TokenRejection(RejectReason.UNKNOWN_KEY, f"no pinned key with id {kid.hex()}")
    try:
        key.verify(signature, sig_structure(protected, payload))
    except InvalidSignature:
        return TokenRejection(RejectReason.BAD_SIGNATURE, "the signature does not verify")
    return _check_claims(payload, now, timedelta(seconds=leeway_s), kinds)


def token_to_qr_text(token: bytes) -> str:
    """QR text: ``KZT1:`` followed by the Base45 of the COSE bytes."""
    return QR_PREFIX + base45_encode(token)


def qr_text_to_token(text: str) -> bytes | TokenRejection:
    if not text.startswith(QR_PREFIX):
        return TokenRejection(RejectReason.MALFORMED, f"QR text does not start with {QR_PREFIX}")
    try:
        return base45_decode(text[len(QR_PREFIX) :])
    except Base45Error as problem:
        return TokenRejection(RejectReason.MALFORMED, str(problem))


# -- encoding -----------------------------------------------------------------


def _claims_map(claims: TokenClaims) -> dict[int, Any]:
    result: dict[int, Any] = {
        _ISS: claims.issuer,
        _SUB: claims.subject,
        _EXP: _numeric_date(claims.expires),
        _IAT: _numeric_date(claims.issued_at),
        _CTI: bytes(claims.token_id),
        _KIND: claims.kind.value,
    }
    if claims.not_before is not None:
        result[_NBF] = _numeric_date(claims.not_before)
    if claims.ticket is not None:
        result |= _ticket_map(claims.ticket)
    return result


def _ticket_map(ticket: TicketFields) -> dict[int, Any]:
    return {
        _ROUTE: ticket.route,
        _BUS: ticket.bus,
        _VALID_FROM: _numeric_date(ticket.valid_from),
        _VALID_UNTIL: _numeric_date(ticket.valid_until),
    }


def _numeric_date(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("token times must be timezone-aware")
    return int(moment.timestamp())


# -- decoding -----------------------------------------------------------------


def _decode(data: bytes) -> Any:
    if len(data) > MAX_TOKEN_BYTES:
        raise _Malformed(f"longer than {MAX_TOKEN_BYTES} bytes")
    stream = io.BytesIO(data)
    try:
        decoder = cbor2.CBORDecoder(stream, max_depth=8, allow_duplicate_keys=False)
        value = decoder.decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError) as problem:
        raise _Malformed(f"not CBOR: {problem}") from None
    if stream.tell() != len(data):
        raise _Malformed("bytes after the CBOR item")
    return value


def _unwrap(data: bytes) -> tuple[bytes, bytes, bytes]:
    item = _decode(data)
    if isinstance(item, cbor2.CBORTag) and item.tag == CWT_TAG:
        item = item.value
    if not isinstance(item, cbor2.CBORTag) or item.tag != COSE_SIGN1_TAG:
        raise _Malformed("not a COSE_Sign1 (CBOR tag 18)")
    parts = item.value
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise _Malformed("COSE_Sign1 is not an array of four")
    protected, unprotected, payload, signature = parts
    if not isinstance(unprotected, Mapping):
        raise _Malformed("unprotected header is not a map")
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise _Malformed("protected header, payload and signature must be byte strings")
    if len(signature) != _SIGNATURE_BYTES:
        raise _Malformed("an Ed25519 signature is 64 bytes")
    return protected, payload, signature


def _kid(protected: bytes) -> bytes:
    header = _decode(protected)
    if not isinstance(header, Mapping):
        raise _Malformed("protected header is not a map")
    if header.get(_ALG) != _EDDSA or _CRIT in header:
        raise _Malformed("algorithm is not EdDSA, or critical headers present")
    kid = header.get(_KID)
    if not isinstance(kid, bytes):
        raise _Malformed("no key id in the protected header")
    return kid


def _check_claims(
    payload: bytes, now: datetime, leeway: timedelta, kinds: Collection[TokenKind]
) -> TokenClaims | TokenRejection:
    try:
        claims = _parse_claims(payload)
    except _Malformed as problem:
        return TokenRejection(RejectReason.MALFORMED, str(problem))
    if claims is None or claims.kind not in kinds:
        return TokenRejection(RejectReason.WRONG_KIND, "this token kind is not taken here")
    if now - leeway >= claims.expires:
        return TokenRejection(RejectReason.EXPIRED, f"expired at {claims.expires.isoformat()}")
    starts = max(claims.issued_at, claims.not_before or claims.issued_at)
    if now + leeway < starts:
        return TokenRejection(RejectReason.NOT_YET_VALID, f"valid from {starts.isoformat()}")
    return claims


def _parse_claims(payload: bytes) -> TokenClaims | None:
    """The claims, or None when the kind is one this code does not know."""
    raw = _decode(payload)
    if not isinstance(raw, Mapping):
        raise _Malformed("claims are not a map")
    kind = _field(raw, _KIND, str)
    if kind not in set(TokenKind):
        return None
    nbf = raw.get(_NBF)
    return TokenClaims(
        issuer=_field(raw, _ISS, str),
        subject=_field(raw, _SUB, str),
        kind=TokenKind(kind),
        issued_at=_date_field(raw, _IAT),
        expires=_date_field(raw, _EXP),
        token_id=_field(raw, _CTI, bytes),
        not_before=None if nbf is None else _date_field(raw, _NBF),
        ticket=_parse_ticket(raw),
    )


def _parse_ticket(raw: Mapping[Any, Any]) -> TicketFields | None:
    if _ROUTE not in raw:
        return None
    return TicketFields(
        route=_field(raw, _ROUTE, str),
        bus=_field(raw, _BUS, str),
        valid_from=_date_field(raw, _VALID_FROM),
        valid_until=_date_field(raw, _VALID_UNTIL),
    )


def _field(raw: Mapping[Any, Any], key: int, kind: type[_T]) -> _T:
    value = raw.get(key)
    if type(value) is not kind:
        raise _Malformed(f"claim {key} missing or of the wrong type")
    return value


def _date_field(raw: Mapping[Any, Any], key: int) -> datetime:
    seconds = _field(raw, key, int)
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise _Malformed(f"claim {key} is not a usable time") from None
