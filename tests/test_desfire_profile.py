"""The DESFire profile from configuration, and the master key file."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.desfire.profile import (
    DEFAULT_PROFILE,
    DesfireProfile,
    MasterKeyError,
    ProfileError,
    load_master_key,
)

KEY_HEX = "00112233445566778899AABBCCDDEEFF"


def test_the_default_profile_is_the_documented_one() -> None:
    assert DEFAULT_PROFILE.aid == bytes.fromhex("4B5A01")
    assert (DEFAULT_PROFILE.key_no, DEFAULT_PROFILE.file_no) == (1, 1)
    assert DEFAULT_PROFILE.record_length == 32
    assert DEFAULT_PROFILE.system_identifier == b"KZTRANSIT"


def test_an_empty_config_table_gives_the_default_profile() -> None:
    assert DesfireProfile.from_config({}) == DEFAULT_PROFILE


def test_a_config_table_sets_every_field() -> None:
    table = {
        "aid": "A1B2C3",
        "key_no": 2,
        "file_no": 4,
        "record_length": 48,
        "system_identifier": "4E585020416275",
    }
    profile = DesfireProfile.from_config(table)
    assert profile == DesfireProfile(bytes.fromhex("A1B2C3"), 2, 4, 48, b"NXP Abu")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"aid_hex": "A1B2C3"}, "desfire.aid_hex: unknown key; did you mean 'aid'"),
        ({"aid": "A1B2"}, "desfire.aid: expected 3 bytes"),
        ({"aid": "000000"}, "desfire.aid: expected 3 bytes, not 000000"),
        ({"aid": "XYZ123"}, "desfire.aid: 'XYZ123' is not hex digits"),
        ({"aid": 0x4B5A01}, "desfire.aid: expected a hex string"),
        ({"key_no": 14}, "desfire.key_no: expected a key number 0 to 13"),
        ({"key_no": True}, "desfire.key_no: expected an integer"),
        ({"file_no": "1"}, "desfire.file_no: expected an integer"),
        ({"record_length": 8}, "desfire.record_length: expected 16 to 256 bytes"),
        ({"system_identifier": "00" * 22}, "desfire.system_identifier: expected at most 21"),
    ],
)
def test_a_wrong_config_table_is_refused_naming_the_key(
    table: dict[str, object], message: str
) -> None:
    with pytest.raises(ProfileError) as raised:
        DesfireProfile.from_config(table)
    assert str(raised.value).startswith(message)


def key_file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "desfire-master.key"
    path.write_text(text, encoding="ascii")
    path.chmod(mode)
    return path


def test_a_key_file_readable_only_by_its_owner_is_loaded(tmp_path: Path) -> None:
    assert load_master_key(key_file(tmp_path, KEY_HEX + "\n", 0o600)) == bytes.fromhex(KEY_HEX)
    assert load_master_key(key_file(tmp_path, KEY_HEX, 0o400)) == bytes.fromhex(KEY_HEX)


@pytest.mark.parametrize("mode", [0o640, 0o644, 0o604, 0o660])
def test_a_key_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = key_file(tmp_path, KEY_HEX, mode)
    with pytest.raises(MasterKeyError, match=f"mode 0{mode:o}.*chmod 600") as raised:
        load_master_key(path)
    assert KEY_HEX not in str(raised.value)


@pytest.mark.parametrize("text", ["", KEY_HEX[:-2], KEY_HEX + "00", "Z" * 32, "ключ"])
def test_a_key_file_without_32_hex_digits_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.key"
    path.write_bytes(text.encode())
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="32 hex digits"):
        load_master_key(path)


def test_a_missing_key_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match=r"cannot read master key .*missing\.key"):
        load_master_key(tmp_path / "missing.key")
