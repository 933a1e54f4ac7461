"""`validator provision` as a depot technician runs it: config and keys written
once, the same again changes nothing, keys never silently replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.depot_helpers import Result, cli_knows, depot, hex_key, me
from validator.config import load_config
from validator.provision import reader_path
from validator.unit_files import generate_device_key, load_device_key, public_key_text
from validator.unit_toml import name_key_files


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """The technician's USB stick with the fleet's keys."""
    folder = tmp_path / "stick"
    folder.mkdir()
    hex_key(folder, "fleet.hex", 64)
    hex_key(folder, "master.hex", 32)
    return folder


def provision(
    capsys: pytest.CaptureFixture[str], tmp: Path, stick: Path, *extra: str | Path
) -> Result:
    return depot(
        capsys,
        "provision",
        *("--bus-number", "B123", "--device-id", "BUS-0042"),
        *("--ledger", "https://ledger.example.kz", "--reader", "pn532-uart"),
        *("--config-dir", tmp / "etc", "--data", tmp / "data", "--user", me()),
        *("--fleet-key-file", stick / "fleet.hex", "--master-key-file", stick / "master.hex"),
        *extra,
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's content, mode and modification time."""
    return {
        path.name: (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
    }


def test_provisioning_writes_a_unit_file_the_daemon_loads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    assert provision(capsys, tmp_path, stick).code == 0
    config = load_config(tmp_path / "etc" / "unit.toml")
    assert (config.device.id, config.device.bus_number) == ("BUS-0042", "B123")
    assert config.nfc.path == "tty:AMA0:pn532"
    assert config.ledger.url == "https://ledger.example.kz"
    assert config.store.data_dir == tmp_path / "data"
    assert config.security.fleet_key_file == tmp_path / "etc" / "fleet-pan.key"
    assert config.security.desfire_master_key_file == tmp_path / "etc" / "desfire-master.key"


def test_provisioning_twice_with_the_same_arguments_changes_nothing_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    before = snapshot(tmp_path / "etc")
    again = provision(capsys, tmp_path, stick)
    assert again.code == 0
    assert "Already provisioned" in again.out
    assert snapshot(tmp_path / "etc") == before


def test_every_key_file_is_readable_by_its_owner_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    etc = tmp_path / "etc"
    for name in ("device-ed25519.pem", "fleet-pan.key", "desfire-master.key"):
        assert stat.S_IMODE((etc / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((etc / "device-ed25519.pub").stat().st_mode) == 0o644
    assert (etc / "fleet-pan.key").read_bytes() == (stick / "fleet.hex").read_bytes()


def test_a_different_key_is_refused_without_force_and_nothing_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    before = snapshot(tmp_path / "etc")
    hex_key(stick, "fleet.hex", 64)  # a new fleet key on the stick
    refused = provision(capsys, tmp_path, stick)
    assert refused.code == 73
    assert "already holds a different key" in refused.err and "--force" in refused.err
    assert snapshot(tmp_path / "etc") == before


def test_force_replaces_the_keys_and_makes_a_new_device_key_to_enroll_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    etc = tmp_path / "etc"
    old_device_key = (etc / "device-ed25519.pem").read_bytes()
    hex_key(stick, "fleet.hex", 64)
    forced = provision(capsys, tmp_path, stick, "--force")
    assert forced.code == 0
    assert "enroll again" in forced.out
    assert (etc / "fleet-pan.key").read_bytes() == (stick / "fleet.hex").read_bytes()
    assert (etc / "device-ed25519.pem").read_bytes() != old_device_key
    assert stat.S_IMODE((etc / "device-ed25519.pem").stat().st_mode) == 0o600


def test_a_provisioned_unit_keeps_its_device_id_unless_forced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    refused = provision(capsys, tmp_path, stick, "--device-id", "BUS-0099")
    assert refused.code == 73
    assert "already provisioned as device BUS-0042" in refused.err
    assert load_config(tmp_path / "etc" / "unit.toml").device.id == "BUS-0042"


def test_moving_the_unit_to_another_bus_updates_the_config_and_keeps_the_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    device_key = (tmp_path / "etc" / "device-ed25519.pem").read_bytes()
    moved = provision(capsys, tmp_path, stick, "--bus-number", "B777")
    assert moved.code == 0 and "updated" in moved.out
    assert load_config(tmp_path / "etc" / "unit.toml").device.bus_number == "B777"
    assert (tmp_path / "etc" / "device-ed25519.pem").read_bytes() == device_key


def test_a_key_left_open_to_others_is_closed_on_the_next_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    fleet = tmp_path / "etc" / "fleet-pan.key"
    os.chmod(fleet, 0o644)
    again = provision(capsys, tmp_path, stick)
    assert f"set {fleet} to 0600" in again.out
    assert stat.S_IMODE(fleet.stat().st_mode) == 0o600


def test_the_next_step_printed_is_enrollment_with_the_ledger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    out = provision(capsys, tmp_path, stick).out
    assert "validator enroll --config" in out
    public = (tmp_path / "etc" / "device-ed25519.pub").read_text(encoding="ascii").strip()
    assert f"Device public key: {public}" in out


def test_the_printer_choice_is_kept_in_the_unit_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    assert provision(capsys, tmp_path, stick, "--printer", "usb:04B8:0202").code == 0
    printer = load_config(tmp_path / "etc" / "unit.toml").printer
    assert (printer.kind, printer.usb_vendor, printer.usb_product) == ("usb", 0x04B8, 0x0202)


def test_a_network_printer_is_written_with_its_host_and_port(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    assert provision(capsys, tmp_path, stick, "--printer", "network:192.0.2.7").code == 0
    printer = load_config(tmp_path / "etc" / "unit.toml").printer
    assert (printer.kind, printer.host, printer.port) == ("network", "192.0.2.7", 9100)


def test_enrollment_names_the_pinned_ledger_keys_and_provisioning_keeps_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    provision(capsys, tmp_path, stick)
    unit = tmp_path / "etc" / "unit.toml"
    ledger_key = tmp_path / "ledger.pem"
    ledger_key.write_bytes(generate_device_key())
    pinned = tmp_path / "etc" / "ledger-keys.txt"
    pinned.write_text(f"01 {public_key_text(load_device_key(ledger_key))}\n", encoding="ascii")
    assert name_key_files(unit)  # what `validator enroll` calls after pinning
    assert load_config(unit).security.ledger_keys_file == pinned
    assert not name_key_files(unit)
    assert "Already provisioned" in provision(capsys, tmp_path, stick).out


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ("pn532-uart", "tty:AMA0:pn532"),
        ("acr122u", "usb:072f:2200"),
        ("udp:127.0.0.1:54321", "udp:127.0.0.1:54321"),
    ],
)
def test_each_reader_type_becomes_its_nfcpy_path(spec: str, path: str) -> None:
    assert reader_path(spec) == path


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("--printer", "lpt1"), "--printer 'lpt1': use none, usb:VID:PID"),
        (("--printer", "network:10.0.0.5:99999"), "network:HOST[:PORT]"),
        (("--reader", "pn533"), "use pn532-uart"),
        (("--device-id", "BUS 42"), "--device-id 'BUS 42'"),
        (("--bus-number", "-12"), "--bus-number '-12'"),
        (("--ledger", "ledger.example.kz"), "must start with https://"),
    ],
)
def test_a_bad_argument_is_refused_with_the_fix_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    stick: Path,
    change: tuple[str, str],
    words: str,
) -> None:
    refused = provision(capsys, tmp_path, stick, *change)
    assert refused.code == 64
    assert words in refused.err
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize(
    ("flag", "content", "words"),
    [
        ("--fleet-key-file", "not a key\n", "must hold hex digits only"),
        ("--fleet-key-file", "00" * 8 + "\n", "at least 32"),
        ("--master-key-file", "00" * 15 + "\n", "exactly 32 hex digits"),
        ("--master-key-file", "\xff\xfe", "not text"),
    ],
)
def test_a_key_file_that_is_not_a_key_is_refused_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    stick: Path,
    flag: str,
    content: str,
    words: str,
) -> None:
    bad = stick / "bad.key"
    bad.write_bytes(content.encode("latin-1"))
    refused = provision(capsys, tmp_path, stick, flag, bad)
    assert refused.code == 65
    assert words in refused.err
    assert "00000000" not in refused.err  # never the key material
    assert not (tmp_path / "etc").exists()


def test_a_missing_key_file_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    refused = provision(capsys, tmp_path, stick, "--fleet-key-file", stick / "nowhere.hex")
    assert refused.code == 66
    assert "nowhere.hex" in refused.err


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives keys to the service user")
def test_a_missing_service_user_is_named_with_the_command_that_creates_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stick: Path
) -> None:
    refused = provision(capsys, tmp_path, stick, "--user", "no-such-validator-user")
    assert refused.code == 67
    assert "useradd --system" in refused.err


@pytest.mark.skipif(not cli_knows("provision"), reason="validator/cli.py does not wire it yet")
def test_the_validator_command_offers_provision_selftest_and_diag() -> None:
    assert cli_knows("selftest") and cli_knows("diag")
