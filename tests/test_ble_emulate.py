"""`validator emulate phone-ble`: a scripted payment against a simulated
validator, printing what the phone sees."""

from __future__ import annotations

import argparse
import io

import pytest

from validator.cmd_emulate_ble import (
    BenchPayment,
    add_arguments,
    emulate_phone_ble,
    run_bench_payment,
)


def run(bench: BenchPayment) -> list[str]:
    out = io.StringIO()
    run_bench_payment(bench, out)
    return out.getvalue().splitlines()


def test_a_bench_phone_pays_and_shows_the_fare_in_its_language() -> None:
    lines = run(BenchPayment(language="en", fare=120))
    assert lines[-1] == "phone shows: ACCEPTED (paid) [en] Paid 120 ₸"
    assert "validator: token of card …0017 verified (bench: no balance)" in lines


def test_a_bench_phone_sending_garbage_is_shown_a_decline() -> None:
    lines = run(BenchPayment(garbage=True, language="kk"))
    assert lines[-1] == "phone shows: DECLINED (forged) [kk] Код жарамсыз"


def test_a_bench_phone_leaving_mid_read_is_told_nothing_and_not_charged() -> None:
    lines = run(BenchPayment(leave_after=0))
    assert lines[-2].startswith("validator: phone_left: token not read")
    assert lines[-1] == "phone shows: nothing from the validator; no charge was made"


def test_a_bench_phone_below_the_threshold_is_not_served() -> None:
    lines = run(BenchPayment(rssi=-80, threshold=-65, timeout=0.6))
    assert lines[-2] == "validator: no_phone: no phone at -65 dBm or nearer pressed pay"


def test_the_command_line_options_drive_the_same_script(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert emulate_phone_ble(parser.parse_args(["--language", "en", "--fare", "60"])) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("[en] Paid 60 ₸")
