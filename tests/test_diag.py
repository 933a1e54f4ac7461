"""`validator diag`: one bundle for support, with secrets masked and no card
number in the clear."""

from __future__ import annotations

import json
import stat
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline_store import OfflineStore, TapRecord
from tests.depot_helpers import bench_unit, depot
from validator.diag import JOURNAL_ROWS
from validator.model import Medium, Outcome, Reason

API_TOKEN = "s3cret-api-token-0042"


@pytest.fixture
def unit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """A provisioned bench unit with an API token in its file and a few taps."""
    path = bench_unit(capsys, tmp_path, "udp:127.0.0.1:9")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[ledger]\n", f'[ledger]\napi_token = "{API_TOKEN}"\n'))
    record_taps(tmp_path / "data", 3)
    return path


def record_taps(data: Path, count: int) -> None:
    with OfflineStore.open(data, "BENCH-1") as store:
        for n in range(count):
            store.record(
                TapRecord(
                    *(datetime.now(UTC), n, Medium.CLASSIC, "9643108000000000012", "04A1B2C3"),
                    *("12", "forward", 80, 1, 420 - 80 * n, Outcome.ACCEPTED, Reason.PAID),
                )
            )


def bundle(path: Path) -> dict[str, str]:
    members = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            extracted = archive.extractfile(member)
            assert extracted is not None
            members[member.name] = extracted.read().decode("utf-8")
    return members


def test_the_bundle_holds_logs_config_versions_store_health_and_journal(
    capsys: pytest.CaptureFixture[str], unit: Path, tmp_path: Path
) -> None:
    output = tmp_path / "diag.tar.gz"
    result = depot(capsys, "diag", "--config", unit, "--output", output)
    assert result.code == 0, result.err
    assert f"Diagnostic bundle written: {output}" in result.out
    members = bundle(output)
    assert set(members) == {
        *("README.txt", "logs.txt", "config.toml", "keys.txt"),
        *("versions.txt", "store.txt", "journal.jsonl"),
    }
    assert 'id = "BENCH-1"' in members["config.toml"]
    assert "bus-validator" in members["versions.txt"] and "sqlite" in members["versions.txt"]
    assert "hash chain: verifies" in members["store.txt"]
    assert "journal rows: 3" in members["store.txt"]
    assert [json.loads(line)["seq"] for line in members["journal.jsonl"].splitlines()] == [1, 2, 3]
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


def test_the_bundle_masks_the_config_secrets_and_holds_no_key_material(
    capsys: pytest.CaptureFixture[str], unit: Path, tmp_path: Path
) -> None:
    output = tmp_path / "diag.tar.gz"
    depot(capsys, "diag", "--config", unit, "--output", output)
    everything = "\n".join(bundle(output).values())
    assert 'api_token = "********"' in bundle(output)["config.toml"]
    etc = unit.parent
    secrets = [
        API_TOKEN,
        (etc / "fleet-pan.key").read_text(encoding="ascii").strip(),
        (etc / "desfire-master.key").read_text(encoding="ascii").strip(),
        *(etc / "device-ed25519.pem").read_text(encoding="ascii").splitlines()[1:-1],
    ]
    for secret in secrets:
        assert secret not in everything


def test_only_the_last_200_journal_rows_go_in(
    capsys: pytest.CaptureFixture[str], unit: Path, tmp_path: Path
) -> None:
    record_taps(tmp_path / "data", JOURNAL_ROWS)
    output = tmp_path / "diag.tar.gz"
    depot(capsys, "diag", "--config", unit, "--output", output)
    seqs = [json.loads(line)["seq"] for line in bundle(output)["journal.jsonl"].splitlines()]
    assert seqs == list(range(4, JOURNAL_ROWS + 4))


def test_a_bundle_that_would_hold_a_card_number_is_refused_and_not_written(
    capsys: pytest.CaptureFixture[str], unit: Path, tmp_path: Path
) -> None:
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text + '\n[route]\nnumber = "4111 1111 1111 1111"\n', encoding="utf-8")
    output = tmp_path / "diag.tar.gz"
    result = depot(capsys, "diag", "--config", unit, "--output", output)
    assert result.code == 65
    assert "config.toml would hold what looks like a bank card number" in result.err
    assert "4111" not in result.err + result.out
    assert not output.exists()
    assert list(tmp_path.glob(".diag.tar.gz*")) == []


def test_a_unit_whose_config_does_not_load_still_gets_a_bundle_saying_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "diag.tar.gz"
    result = depot(capsys, "diag", "--config", tmp_path / "missing.toml", "--output", output)
    assert result.code == 0
    members = bundle(output)
    assert "could not be loaded" in members["config.toml"]
    assert "missing.toml was not found" in members["config.toml"]
    assert "configuration did not load" in members["store.txt"]


def test_without_output_the_bundle_is_named_for_the_device_and_time(
    capsys: pytest.CaptureFixture[str],
    unit: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert depot(capsys, "diag", "--config", unit).code == 0
    [made] = tmp_path.glob("validator-diag-BENCH-1-*.tar.gz")
    assert "README.txt" in bundle(made)
