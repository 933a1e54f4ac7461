"""DESFire crypto against published vectors.

Sources: RFC 4493 §4 (= NIST SP 800-38B appendix D.1, AES-128); NXP AN10922
§2.2.1 (AES-128 diversification example); the "DESFire EV1 Communication
Examples" traces (AES authentication and GetKeyVersion CMAC chaining).
"""

from __future__ import annotations

import pytest

from drivers.desfire.crypto import (
    ZERO_IV,
    Ev1Session,
    aes_cmac,
    aes_session_key,
    chained_cmac,
    cmac_subkeys,
    diversification_input,
    diversify_aes128,
    rotate_left,
    truncate_mac,
)

RFC4493_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
RFC4493_MESSAGE = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710"
)
RFC4493_EXAMPLES = [
    (0, "bb1d6929e95937287fa37d129b756746"),
    (16, "070a16b46b4d4144f79bdd9dd04a287c"),
    (40, "dfa66747de9ae63030ca32611497c827"),
    (64, "51f0bebf7e3b9d92fc49741779363cfe"),
]

AN10922_MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
AN10922_UID = bytes.fromhex("04782E21801D80")
AN10922_AID = bytes.fromhex("3042F5")
AN10922_SYSTEM = b"NXP Abu"


@pytest.mark.parametrize(("length", "expected"), RFC4493_EXAMPLES)
def test_aes_cmac_matches_every_rfc_4493_example(length: int, expected: str) -> None:
    assert aes_cmac(RFC4493_KEY, RFC4493_MESSAGE[:length]).hex() == expected


@pytest.mark.parametrize(("length", "expected"), RFC4493_EXAMPLES)
def test_chained_cmac_from_a_zero_iv_is_plain_aes_cmac(length: int, expected: str) -> None:
    assert chained_cmac(RFC4493_KEY, ZERO_IV, RFC4493_MESSAGE[:length]).hex() == expected


def test_cmac_subkeys_match_rfc_4493() -> None:
    k1, k2 = cmac_subkeys(RFC4493_KEY)
    assert k1.hex() == "fbeed618357133667c85e08f7236a8de"
    assert k2.hex() == "f7ddac306ae266ccf90bc11ee46d513b"


def test_cmac_subkeys_match_the_an10922_example() -> None:
    k1, k2 = cmac_subkeys(AN10922_MASTER)
    assert k1.hex().upper() == "FBC9F75C9413C041DFEE452D3F0706D1"
    assert k2.hex().upper() == "F793EEB928278083BFDC8A5A7E0E0D25"


def test_an10922_input_is_uid_then_aid_then_system_identifier() -> None:
    message = diversification_input(AN10922_UID, AN10922_AID, AN10922_SYSTEM)
    assert message.hex().upper() == "04782E21801D803042F54E585020416275"


def test_aes128_diversification_matches_the_an10922_worked_example() -> None:
    key = diversify_aes128(AN10922_MASTER, AN10922_UID, AN10922_AID, AN10922_SYSTEM)
    assert key.hex().upper() == "A8DD63A3B89D54B37CA802473FDA9175"


def test_a_full_31_byte_input_is_plain_cmac_over_32_bytes_with_k1() -> None:
    system = bytes(range(21))
    key = diversify_aes128(AN10922_MASTER, AN10922_UID, AN10922_AID, system)
    expected = aes_cmac(AN10922_MASTER, b"\x01" + AN10922_UID + AN10922_AID + system)
    assert key == expected


def test_a_short_input_is_padded_to_two_blocks_not_one() -> None:
    key = diversify_aes128(AN10922_MASTER, b"\x04\x01\x02\x03", b"", b"")
    assert key != aes_cmac(AN10922_MASTER, b"\x01\x04\x01\x02\x03")


@pytest.mark.parametrize(
    ("uid", "aid", "system"), [(b"", b"", b""), (bytes(7), bytes(3), bytes(22))]
)
def test_diversification_refuses_an_input_outside_1_to_31_bytes(
    uid: bytes, aid: bytes, system: bytes
) -> None:
    with pytest.raises(ValueError, match="1 to 31 bytes"):
        diversify_aes128(AN10922_MASTER, uid, aid, system)


def test_diversification_refuses_a_master_key_that_is_not_16_bytes() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        diversify_aes128(bytes(24), AN10922_UID, AN10922_AID, AN10922_SYSTEM)


def test_session_key_takes_the_outer_quarters_of_rnd_a_and_rnd_b() -> None:
    rnd_a = bytes.fromhex("F44B26F5686F3A391CD38EBD10772281")
    rnd_b = bytes.fromhex("C05DDD714FD788A6B7B754F3C4D066E8")
    session_key = aes_session_key(rnd_a, rnd_b)
    assert session_key.hex().upper() == "F44B26F5C05DDD7110772281C4D066E8"


def test_rotate_left_moves_the_first_byte_to_the_end() -> None:
    rnd_b = bytes.fromhex("C05DDD714FD788A6B7B754F3C4D066E8")
    assert rotate_left(rnd_b).hex().upper() == "5DDD714FD788A6B7B754F3C4D066E8C0"
    assert rotate_left(b"") == b""


def test_ev1_session_chains_the_cmac_of_command_and_answer_through_the_iv() -> None:
    # GetKeyVersion(0) in an AES session: TX CMAC over 64 00, RX CMAC over 10 00.
    session = Ev1Session(bytes.fromhex("90F7A201910368 45EC63DECD544B9931".replace(" ", "")))
    tx = session.advance(bytes.fromhex("6400"))
    rx = session.advance(bytes.fromhex("1000"))
    assert tx.hex().upper() == "257FC538618A944A3A20967B6F314348"
    assert rx.hex().upper() == "8A8FA36F55CD210DD8054658AC70D99A"
    assert truncate_mac(rx).hex().upper() == "8A8FA36F55CD210D"
    assert session.iv == rx
