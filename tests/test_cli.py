"""The `validator` command as a depot technician and a developer use it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import free_udp_port, import_cards_csv, run_cli, write_unit_config


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    return write_unit_config(tmp_path, free_udp_port())


def test_help_documents_every_command() -> None:
    out = run_cli("--help").stdout
    for command in ("run", "demo", "cards", "journal", "emulate", "config"):
        assert command in out


def test_the_demo_runs_every_scene_as_expected_and_exits_zero() -> None:
    result = run_cli("demo", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UNEXPECTED" not in result.stdout
    assert "hash chain verifies" in result.stdout
    assert "Paid 80" in result.stdout


def test_a_balance_list_loads_and_the_count_is_reported(unit: Path) -> None:
    import_cards_csv(unit, [("04A1B2C3", "9643108000000000012", 500)])
    csv = unit.parent / "cards.csv"
    result = run_cli("cards", "import", str(csv), "--config", str(unit))
    assert "Loaded 1 cards" in result.stdout


def test_a_bad_csv_row_is_reported_with_its_line_and_nothing_is_loaded(unit: Path) -> None:
    import_cards_csv(unit, [("0A0B0C0D", "9643108000000000046", 100)])
    csv = unit.parent / "bad.csv"
    csv.write_text(
        "card_number,uid,balance,category,status\n"
        "9643108000000000012,04A1B2C3,500,standard,active\n"
        "9643108000000000020,,lots,standard,active\n",
        encoding="utf-8",
    )
    result = run_cli("cards", "import", str(csv), "--config", str(unit), check=False)
    assert result.returncode == 65
    assert "line 3" in result.stderr
    assert "Nothing was loaded" in result.stderr
    with sqlite3.connect(unit.parent / "data" / "validator.db") as conn:
        assert conn.execute("SELECT card_number FROM cards").fetchall() == [
            ("9643108000000000046",)
        ]


def test_a_config_with_an_unknown_key_exits_78_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[nfc]\npathh = "usb"\n', encoding="utf-8")
    result = run_cli("journal", "--config", str(bad), check=False)
    assert result.returncode == 78
    assert "nfc.pathh" in result.stderr and "nfc.path" in result.stderr


def test_a_missing_config_file_exits_78_with_a_fix(tmp_path: Path) -> None:
    result = run_cli("run", "--config", str(tmp_path / "nope.toml"), check=False)
    assert result.returncode == 78
    assert "nope.toml" in result.stderr


def test_a_reader_that_is_not_there_is_a_clear_error_and_a_nonzero_exit(unit: Path) -> None:
    result = run_cli("run", "--config", str(unit), "--nfc", "tty:doesnotexist:pn532", check=False)
    assert result.returncode == 69
    assert "doesnotexist" in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    unit = tmp_path / "unit.toml"
    unit.write_text('[ledger]\napi_token = "s3cr3t-token"\n', encoding="utf-8")
    result = run_cli("config", "show", "--config", str(unit))
    assert "s3cr3t-token" not in result.stdout
    assert "api_token" in result.stdout


def test_journal_json_has_one_object_per_presentation(unit: Path) -> None:
    _two_taps(unit)
    result = run_cli("journal", "--json", "--config", str(unit))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["seq"] for r in rows] == [1, 2]
    for key in ("seq", "time", "medium", "card_number", "uid", "fare", "balance_after"):
        assert key in rows[0]
    assert [r["result"] for r in rows] == ["accepted", "declined"]
    assert rows[1]["card_number"] is None and rows[1]["uid"] == "DEADBEEF"


def test_journal_verify_passes_then_fails_once_a_row_is_altered(unit: Path) -> None:
    _two_taps(unit)
    assert run_cli("journal", "verify", "--config", str(unit)).returncode == 0
    with sqlite3.connect(unit.parent / "data" / "validator.db") as conn:
        conn.execute("UPDATE journal SET fare = 0 WHERE seq = 1")
    result = run_cli("journal", "verify", "--config", str(unit), check=False)
    assert result.returncode == 1
    assert "seq 1" in result.stdout


def _two_taps(unit: Path) -> None:
    """One paid tap and one unknown card, through the daemon and the emulator."""
    from tests.daemon import tap_through_daemon

    import_cards_csv(unit, [("04A1B2C3", "9643108000000000012", 500)])
    tap_through_daemon(unit, ["04A1B2C3", "DEADBEEF"])


def test_a_bluetooth_adapter_that_cannot_scan_stops_the_daemon_with_exit_69(unit: Path) -> None:
    unit.write_text(
        unit.read_text(encoding="utf-8") + '\n[ble]\nbackend = "bleak"\nadapter = "hci7"\n',
        encoding="utf-8",
    )
    result = run_cli("run", "--config", str(unit), check=False)
    assert result.returncode == 69
    assert "Bluetooth adapter hci7" in result.stderr
    assert "bluetoothctl" in result.stderr
