"""Start-up of the secure media: key files named in [security] are checked
before anything opens (exit 78 naming the key and the fix), relative paths
live beside the config file, and the journal's hash covers the bank-card
fields without changing the hash of any other row."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline_store import OfflineStore, TapRecord
from offline_store.hashing import GENESIS_HASH, HASHED_FIELDS
from tests.helpers import free_udp_port, run_cli, write_unit_config
from tests.secure_media_kit import FLEET_KEY, KID, LEDGER_KEY, MASTER_KEY
from validator.config import ConfigError, load_config
from validator.media_keys import load_media_keys, parse_ledger_keys
from validator.model import Medium, Outcome, Reason

EX_CONFIG = 78


def secret(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text + "\n", encoding="ascii")
    path.chmod(mode)
    return path


def ledger_line() -> str:
    import base64

    from cryptography.hazmat.primitives import serialization

    raw = LEDGER_KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return f"{KID.hex()} {base64.b64encode(raw).decode()}"


def unit_with_keys(tmp: Path, **keys: str) -> Path:
    config = write_unit_config(tmp, free_udp_port())
    lines = ["[security]", *(f'{name} = "{value}"' for name, value in keys.items())]
    with config.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return config


def test_a_key_file_that_is_missing_stops_the_validator_with_the_key_named(tmp_path: Path) -> None:
    config = unit_with_keys(tmp_path, fleet_key_file="fleet-pan.key")
    result = run_cli("run", "--config", str(config), check=False)
    assert result.returncode == EX_CONFIG
    assert "security.fleet_key_file" in result.stderr and "missing" in result.stderr
    assert not (tmp_path / "data").exists()  # nothing was opened


def test_a_master_key_others_may_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    secret(tmp_path / "desfire-master.key", MASTER_KEY.hex(), mode=0o644)
    config = unit_with_keys(tmp_path, desfire_master_key_file="desfire-master.key")
    result = run_cli("run", "--config", str(config), check=False)
    assert result.returncode == EX_CONFIG
    assert "chmod 600" in result.stderr and MASTER_KEY.hex() not in result.stderr


def test_a_fleet_key_shorter_than_16_bytes_is_refused(tmp_path: Path) -> None:
    secret(tmp_path / "fleet-pan.key", "00112233445566778899aabbccddee")
    config = load_config(unit_with_keys(tmp_path, fleet_key_file="fleet-pan.key"))
    with pytest.raises(ConfigError, match=r"security\.fleet_key_file"):
        load_media_keys(config.security)


def test_key_files_beside_the_config_file_are_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret(tmp_path / "desfire-master.key", MASTER_KEY.hex())
    secret(tmp_path / "fleet-pan.key", FLEET_KEY.hex())
    (tmp_path / "ledger-keys.txt").write_text(f"# pinned\n{ledger_line()}\n", encoding="ascii")
    unit = unit_with_keys(
        tmp_path,
        desfire_master_key_file="desfire-master.key",
        fleet_key_file="fleet-pan.key",
        ledger_keys_file="ledger-keys.txt",
    )
    monkeypatch.chdir("/")  # relative to the config file, not to where the validator starts
    config = load_config(unit)
    keys = load_media_keys(config.security)
    assert (keys.desfire_master, keys.fleet_key) == (MASTER_KEY, FLEET_KEY)
    assert list(keys.ledger_keys) == [KID]
    shown = run_cli("config", "show", "--config", str(unit)).stdout
    assert f'fleet_key_file = "{tmp_path / "fleet-pan.key"}"' in shown
    assert FLEET_KEY.hex() not in shown
    assert MASTER_KEY.hex() not in repr(keys) and repr(FLEET_KEY) not in repr(keys)


@pytest.mark.parametrize(
    "text",
    ["", "# nothing\n", "6b31 not-base64!\n", "6b31\n", "zz AAAA\n", f"{ledger_line()}\n" * 2],
)
def test_a_ledger_keys_file_that_pins_nothing_usable_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ledger_keys(text)


def test_a_ledger_keys_file_others_may_write_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ledger-keys.txt").write_text(ledger_line() + "\n", encoding="ascii")
    (tmp_path / "ledger-keys.txt").chmod(0o666)
    config = load_config(unit_with_keys(tmp_path, ledger_keys_file="ledger-keys.txt"))
    with pytest.raises(ConfigError, match="chmod 644"):
        load_media_keys(config.security)


@pytest.mark.parametrize(
    ("line", "key"),
    [('aid = "4B5A"', "desfire.aid"), ("key_no = 14", "desfire.key_no")],
)
def test_a_wrong_desfire_profile_is_a_configuration_error(
    tmp_path: Path, line: str, key: str
) -> None:
    config = write_unit_config(tmp_path, free_udp_port())
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f"[desfire]\n{line}\n")
    with pytest.raises(ConfigError, match=key):
        load_config(config)


# --- the journal ------------------------------------------------------------------


def tap(medium: Medium, **bank_card: str) -> TapRecord:
    return TapRecord(
        time=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
        mono_ns=1,
        medium=medium,
        card_number=None,
        uid=None,
        route="12",
        direction="forward",
        fare=80,
        riders=1,
        balance_after=None,
        result=Outcome.ACCEPTED,
        reason=Reason.FIRST_RIDE,
        **bank_card,  # type: ignore[arg-type]
    )


def test_rows_of_other_media_hash_exactly_as_before_the_bank_card_fields(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "HASH-1") as store:
        row = store.record(tap(Medium.CLASSIC))
    fields = {name: getattr(row, name) for name in HASHED_FIELDS}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(GENESIS_HASH.encode() + canonical.encode()).hexdigest()
    assert row.hash == expected
    assert "pan_token" not in row.as_dict()


def test_a_bank_card_tap_whose_token_was_altered_fails_the_hash_chain(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "HASH-1") as store:
        row = store.record(tap(Medium.EMV, pan_token="ab" * 32, masked_pan="476173******0010"))
        assert row.as_dict()["masked_pan"] == "476173******0010"
        assert store.verify_journal().ok
    with sqlite3.connect(tmp_path / "validator.db") as conn:
        conn.execute("UPDATE journal SET pan_token = ?", ("cd" * 32,))
    with OfflineStore.open(tmp_path, "HASH-1") as store:
        check = store.verify_journal()
    assert not check.ok and "altered" in check.problems[0]
