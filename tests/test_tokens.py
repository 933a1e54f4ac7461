"""App tokens: CWT in COSE_Sign1 with Ed25519, and Base45 for QR text."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.base45 import Base45Error, base45_decode, base45_encode
from validator.tokens import (
    QR_PREFIX,
    RejectReason,
    TicketFields,
    TokenClaims,
    TokenKind,
    TokenRejection,
    issue_token,
    qr_text_to_token,
    sig_structure,
    token_to_qr_text,
    verify_token,
)

# RFC 8032 section 7.1, TEST 1: a published Ed25519 key, so the golden bytes
# below are reproducible (Ed25519 signatures are deterministic).
LEDGER_KEY = Ed25519PrivateKey.from_private_bytes(
    bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
)
KID = b"ledger-2025"
KEYS = {KID: LEDGER_KEY.public_key()}
ISSUED = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
CLAIMS = TokenClaims(
    issuer="kzt-ledger",
    subject="9398000000000000017",
    kind=TokenKind.APP,
    issued_at=ISSUED,
    expires=ISSUED + timedelta(minutes=5),
    token_id=bytes(range(1, 17)),
)
GOLDEN = bytes.fromhex(
    "D28450A20127044B6C65646765722D32303235A05849A6016A6B7A742D6C65646765720273393339"
    "38303030303030303030303030303137041A67D3E32C061A67D3E20007500102030405060708090A"
    "0B0C0D0E0F103A0001000063617070584063CF4A8C290B18A78302D59A634E336F67E40CF266286A"
    "FFBE0470AABB113ED501D1E1ACE87604A1156E2B295D49AE902B92D605290A9FED544672EDB2914800"
)
NOW = ISSUED + timedelta(minutes=1)


def verify(data: bytes, **changes: object) -> TokenClaims | TokenRejection:
    options: dict[str, object] = {"keys": KEYS, "now": NOW, "leeway_s": 0} | changes
    return verify_token(data, **options)  # type: ignore[arg-type]


def reason(result: TokenClaims | TokenRejection) -> RejectReason | None:
    return result.reason if isinstance(result, TokenRejection) else None


def test_an_issued_token_verifies_to_the_same_claims() -> None:
    assert verify(issue_token(CLAIMS, LEDGER_KEY, KID)) == CLAIMS


def test_the_token_bytes_are_exactly_the_documented_golden_token() -> None:
    assert issue_token(CLAIMS, LEDGER_KEY, KID) == GOLDEN
    assert verify(GOLDEN) == CLAIMS


def test_the_token_is_a_standard_cose_sign1_that_plain_cbor2_reads() -> None:
    item = cbor2.loads(GOLDEN)
    assert isinstance(item, cbor2.CBORTag) and item.tag == 18
    protected, unprotected, payload, signature = item.value
    assert cbor2.loads(protected) == {1: -8, 4: KID}  # alg EdDSA, kid
    assert dict(unprotected) == {}
    claims = cbor2.loads(payload)
    assert claims[1] == "kzt-ledger" and claims[2] == "9398000000000000017"
    assert claims[4] == int(CLAIMS.expires.timestamp()) and claims[7] == bytes(range(1, 17))
    assert claims[-65537] == "app"
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    LEDGER_KEY.public_key().verify(signature, to_be_signed)


def test_the_sig_structure_matches_the_cose_wg_example_and_its_signature() -> None:
    # cose-wg/Examples eddsa-examples/eddsa-sig-02.json (an Ed448 COSE_Sign1).
    example = bytes.fromhex(
        "D28443A10127A10445336434343854546869732069732074686520636F6E74656E742E5872988240A3A2"
        "F189BD486DE14AA77F54686C576A09F2E7ED9BAE910DF9139C2AC3BE7C27B7E10A20FA17C9D57D3510A2"
        "CF1F634BC0345AB9BE00849842171D1E9E98B2674C0E38BFCF6C557A1692B01B71015A47AC9F7748840C"
        "AD1DA80CBB5B349309FEBB912672B377C8B2072AF1598B3700"
    )
    protected, _, payload, signature = cbor2.loads(example).value
    to_be_signed = sig_structure(protected, payload)
    assert to_be_signed == bytes.fromhex(
        "846A5369676E61747572653143A101274054546869732069732074686520636F6E74656E742E"
    )
    key = Ed448PublicKey.from_public_bytes(
        bytes.fromhex(
            "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c706"
            "1bd6783df1e50f6cd1fa1abeafe8256180"
        )
    )
    key.verify(signature, to_be_signed)


def test_a_token_wrapped_in_the_cwt_tag_is_accepted_too() -> None:
    wrapped = cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(GOLDEN)))
    assert verify(wrapped) == CLAIMS


@pytest.mark.parametrize("position", [5, 30, 60, 100, 150, len(GOLDEN) - 1])
def test_a_token_with_one_flipped_byte_is_refused(position: int) -> None:
    forged = bytearray(GOLDEN)
    forged[position] ^= 0x01
    assert reason(verify(bytes(forged))) in {
        RejectReason.BAD_SIGNATURE,
        RejectReason.MALFORMED,
        RejectReason.UNKNOWN_KEY,
    }


def test_a_changed_claim_under_the_old_signature_is_a_bad_signature() -> None:
    protected, _, _, signature = cbor2.loads(GOLDEN).value
    richer = replace(CLAIMS, subject="9398000000000000025")
    payload = cbor2.loads(issue_token(richer, LEDGER_KEY, KID)).value[2]
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    assert reason(verify(forged)) is RejectReason.BAD_SIGNATURE


def test_a_token_signed_by_another_key_with_our_kid_is_a_bad_signature() -> None:
    forged = issue_token(CLAIMS, Ed25519PrivateKey.generate(), KID)
    assert reason(verify(forged)) is RejectReason.BAD_SIGNATURE


def test_a_token_with_an_unknown_key_id_is_refused() -> None:
    token = issue_token(CLAIMS, LEDGER_KEY, b"someone-else")
    assert reason(verify(token)) is RejectReason.UNKNOWN_KEY


def test_an_expired_token_is_refused_without_leeway_and_taken_within_it() -> None:
    late = CLAIMS.expires + timedelta(seconds=20)
    assert reason(verify(GOLDEN, now=late)) is RejectReason.EXPIRED
    assert reason(verify(GOLDEN, now=CLAIMS.expires)) is RejectReason.EXPIRED
    assert verify(GOLDEN, now=late, leeway_s=30) == CLAIMS


def test_a_token_from_the_future_is_not_yet_valid_unless_within_leeway() -> None:
    early = ISSUED - timedelta(seconds=20)
    assert reason(verify(GOLDEN, now=early)) is RejectReason.NOT_YET_VALID
    assert verify(GOLDEN, now=early, leeway_s=30) == CLAIMS


def test_a_token_before_its_not_before_time_is_not_yet_valid() -> None:
    claims = replace(CLAIMS, not_before=ISSUED + timedelta(minutes=2))
    token = issue_token(claims, LEDGER_KEY, KID)
    assert reason(verify(token)) is RejectReason.NOT_YET_VALID
    assert verify(token, now=ISSUED + timedelta(minutes=3)) == claims


def test_a_ticket_presented_where_app_tokens_are_taken_is_the_wrong_kind() -> None:
    ticket = TicketFields("12", "KZ 123 ABC", ISSUED, ISSUED + timedelta(hours=1))
    claims = replace(CLAIMS, kind=TokenKind.TICKET, ticket=ticket)
    token = issue_token(claims, LEDGER_KEY, KID)
    assert reason(verify(token)) is RejectReason.WRONG_KIND
    assert verify(token, kinds={TokenKind.TICKET}) == claims


def test_an_unknown_kind_is_the_wrong_kind() -> None:
    protected = cbor2.dumps({1: -8, 4: KID})
    payload = cbor2.loads(cbor2.loads(GOLDEN).value[2])
    payload[-65537] = "season_pass"
    body = cbor2.dumps(payload)
    signature = LEDGER_KEY.sign(sig_structure(protected, body))
    token = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, body, signature]))
    assert reason(verify(token)) is RejectReason.WRONG_KIND


def signed(protected: dict[int, object], payload: object) -> bytes:
    header, body = cbor2.dumps(protected), cbor2.dumps(payload)
    signature = LEDGER_KEY.sign(sig_structure(header, body))
    return cbor2.dumps(cbor2.CBORTag(18, [header, {}, body, signature]))


@pytest.mark.parametrize(
    "token",
    [
        b"",
        b"\x00",
        b"garbage bytes, not CBOR at all",
        GOLDEN + b"\x00",  # trailing byte
        GOLDEN[:-1],  # truncated
        cbor2.dumps(cbor2.loads(GOLDEN).value),  # untagged array
        cbor2.dumps(cbor2.CBORTag(98, cbor2.loads(GOLDEN).value)),  # COSE_Sign, not Sign1
        signed({1: -7, 4: KID}, {}),  # ES256 named in the header
        signed({1: -8}, {}),  # no kid
        signed({1: -8, 4: KID}, [1, 2]),  # claims not a map
        signed({1: -8, 4: KID}, {1: "x"}),  # claims missing
    ],
)
def test_garbage_and_malformed_tokens_are_refused_as_malformed(token: bytes) -> None:
    assert reason(verify(token)) is RejectReason.MALFORMED


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_random_bytes_are_always_refused_never_raise(data: bytes) -> None:
    assert isinstance(verify(data), TokenRejection)


@settings(max_examples=400)
@given(st.integers(0, len(GOLDEN) - 1), st.integers(1, 255))
def test_any_damaged_golden_token_is_refused(position: int, flip: int) -> None:
    damaged = bytearray(GOLDEN)
    damaged[position] ^= flip
    assert isinstance(verify(bytes(damaged)), TokenRejection)


def test_issuing_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        issue_token(replace(CLAIMS, expires=datetime(2025, 1, 1)), LEDGER_KEY, KID)


# -- QR text and Base45 -----------------------------------------------------------


def test_qr_text_is_the_prefix_and_base45_of_the_token_and_back() -> None:
    text = token_to_qr_text(GOLDEN)
    assert text.startswith(QR_PREFIX)
    assert base45_decode(text[len(QR_PREFIX) :]) == GOLDEN
    assert qr_text_to_token(text) == GOLDEN


def test_qr_text_without_prefix_or_with_bad_base45_is_malformed() -> None:
    assert reason(qr_text_to_token(base45_encode(GOLDEN))) is RejectReason.MALFORMED  # type: ignore[arg-type]
    assert reason(qr_text_to_token(QR_PREFIX + "a")) is RejectReason.MALFORMED  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "text"),
    [  # RFC 9285 section 4.3 and 4.4
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_base45_matches_the_rfc_9285_examples_both_ways(raw: bytes, text: str) -> None:
    assert base45_encode(raw) == text
    assert base45_decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "A", "ABCD", "abc", "BB8!", ":::", "::"])
def test_base45_refuses_bad_text(text: str) -> None:
    with pytest.raises(Base45Error):
        base45_decode(text)


@given(st.binary(max_size=200))
def test_base45_round_trips_any_bytes(data: bytes) -> None:
    assert base45_decode(base45_encode(data)) == data


@given(st.text(max_size=40))
def test_base45_decoding_any_text_raises_only_base45_error(text: str) -> None:
    with contextlib.suppress(Base45Error):
        base45_decode(text)
