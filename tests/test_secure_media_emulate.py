"""`validator emulate card --kind desfire|emv|app`: a bench card in its own
process, answering the real nfcpy reader over udp as the real card would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from drivers.nfc import NfcpyReader
from drivers.nfc.secure_media import SecureMediaSetup, secure_media_applications
from tests.helpers import free_udp_port, run_cli
from tests.secure_media_kit import ACCOUNT, FIXTURES, FLEET_KEY, MASTER_KEY, app_token
from validator.model import Medium
from validator.ports import CardRead, ReadFailure, ReadProblem

SETUP = SecureMediaSetup(desfire_master=MASTER_KEY, fleet_key=FLEET_KEY, app=True)


@contextmanager
def emulated(*options: str) -> Iterator[str]:
    """Run `validator emulate card OPTIONS` until the card is in the field; yield its path."""
    port = free_udp_port()
    command = [sys.executable, "-m", "validator.cli", "emulate", "card", *options]
    command += ["--nfc", f"udp:127.0.0.1:{port}", "--hold", "30"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert "is in the field" in process.stdout.readline(), process.stderr.read()  # type: ignore[union-attr]
        yield f"udp:127.0.0.1:{port}"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def read_once(path: str) -> CardRead | ReadFailure | None:
    reader = NfcpyReader.open(path, applications=secure_media_applications(SETUP))
    try:
        return reader.poll(2.0)
    finally:
        reader.close()


@pytest.fixture
def master_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "desfire-master.key"
    path.write_text(MASTER_KEY.hex() + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def test_an_emulated_desfire_card_authenticates_and_gives_its_record(
    master_key_file: Path,
) -> None:
    options = ["--kind", "desfire", "--uid", "04A1B2C3D4E5F6", "--card-number", ACCOUNT]
    with emulated(*options, "--master-key-file", str(master_key_file)) as path:
        result = read_once(path)
    assert isinstance(result, CardRead)
    presentation = result.presentation
    assert (presentation.medium, presentation.card_number) == (Medium.DESFIRE, ACCOUNT)


def test_an_emulated_desfire_clone_is_not_genuine() -> None:
    with emulated("--kind", "desfire", "--uid", "04A1B2C3D4E5F6", "--clone") as path:
        result = read_once(path)
    assert isinstance(result, ReadFailure) and result.problem is ReadProblem.NOT_GENUINE


def test_an_emulated_bank_card_from_its_json_description_is_read() -> None:
    with emulated("--kind", "emv", "--emv-file", str(FIXTURES / "unionpay.json")) as path:
        result = read_once(path)
    assert isinstance(result, CardRead)
    assert result.presentation.masked_pan == "625094******0014"


def test_an_emulated_phone_hands_over_its_token() -> None:
    token = app_token()
    with emulated("--kind", "app", "--token", token.hex()) as path:
        result = read_once(path)
    assert isinstance(result, CardRead) and result.presentation.credential == token


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--kind", "desfire", "--uid", "04A1B2C3D4E5F6"], "--master-key-file"),
        (["--kind", "desfire", "--uid", "04A1B2C3"], "7-byte UID"),
        (["--kind", "emv"], "--emv-file"),
        (["--kind", "emv", "--emv-file", "missing.json"], "missing.json"),
        (["--kind", "app", "--token", "not hex"], "--token"),
        (["--kind", "classic"], "--uid"),
    ],
)
def test_a_card_described_wrongly_is_a_clear_configuration_error(
    options: list[str], message: str
) -> None:
    result = run_cli("emulate", "card", *options, check=False)
    assert result.returncode == 78 and message in result.stderr
