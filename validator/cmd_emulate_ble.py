"""`validator emulate phone-ble`: one scripted Bluetooth payment, in this process.

The simulated air is memory inside one process, so this command cannot reach
a validator running elsewhere. It plays both sides here: a simulated phone
speaking the app's protocol, and a simulated validator (the real
``BlePaymentReader`` through bleak, with the simulated backend) whose
decision checks only the token's signature, against a bench key made for
this run. It prints what the phone sees. To test a unit with a real adapter,
use the operator's app on a real phone (docs/bluetooth.md, "Benches").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from validator.messages import LANGUAGES, Language
from validator.model import Decision, Outcome, Reason, Tenge
from validator.tokens import TokenClaims, TokenKind, TokenRejection, issue_token, verify_token

if TYPE_CHECKING:
    from drivers.ble import BleOutcome, BleResult, SimulatedPhone

BENCH_ADDRESS = "02:42:5A:54:00:01"
BENCH_CARD = "9398000000000000017"
GARBAGE = b"\x00this is not a token"
_KID = b"bench"


@dataclass(frozen=True, slots=True)
class BenchPayment:
    rssi: int = -55  # dBm, as the validator hears the phone
    threshold: int = -65  # the validator's ble.rssi_threshold
    language: Language = "ru"
    fare: int = 80
    garbage: bool = False  # send bytes that are not a token
    leave_after: int | None = None  # token bytes the phone serves before it drops the link
    timeout: float = 3.0  # seconds the validator scans


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rssi", type=int, default=-55, help="signal strength, dBm (-55)")
    parser.add_argument("--threshold", type=int, default=-65, help="validator threshold (-65)")
    parser.add_argument("--language", choices=LANGUAGES, default="ru", help="the phone's language")
    parser.add_argument("--fare", type=int, default=80, help="fare the bench charges (80)")
    parser.add_argument("--garbage", action="store_true", help="send bytes that are not a token")
    parser.add_argument(
        "--leave-after", type=int, metavar="BYTES", help="drop the link after this many token bytes"
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to scan (3)")


def emulate_phone_ble(args: argparse.Namespace) -> int:
    bench = BenchPayment(
        args.rssi,
        args.threshold,
        args.language,
        args.fare,
        args.garbage,
        args.leave_after,
        args.timeout,
    )
    run_bench_payment(bench)
    return 0


def run_bench_payment(bench: BenchPayment, out: TextIO | None = None) -> BleOutcome:
    """Place a phone, let a simulated validator serve it, print what happened."""
    from drivers.ble import Air, BlePaymentReader, BleSettings, SimulatedPhone, open_radio

    out = out or sys.stdout

    key = Ed25519PrivateKey.generate()
    token = GARBAGE if bench.garbage else _bench_token(key)
    phone = SimulatedPhone(BENCH_ADDRESS, bench.rssi, token, bench.leave_after, bench.language)
    air = Air()
    air.place(phone)
    _say(
        out, f"phone {phone.address}: Pay pressed, session {phone.session.hex()}, {bench.rssi} dBm"
    )
    settings = BleSettings(rssi_threshold=bench.threshold, default_language=bench.language)
    decide = _bench_decision({_KID: key.public_key()}, bench.fare, out)
    with BlePaymentReader(open_radio("simulated", air=air), settings) as reader:
        outcome = reader.scan_and_pay_once(bench.timeout, decide)
    _say(out, f"validator: {outcome.status.value}: {outcome.detail}")
    _say(out, _phone_view(phone, outcome))
    return outcome


def _bench_token(key: Ed25519PrivateKey) -> bytes:
    now = datetime.now(UTC).replace(microsecond=0)
    claims = TokenClaims(
        issuer="bench",
        subject=BENCH_CARD,
        kind=TokenKind.APP,
        issued_at=now,
        expires=now + timedelta(minutes=1),
        token_id=os.urandom(16),
    )
    return issue_token(claims, key, _KID)


def _bench_decision(
    keys: Mapping[bytes, Ed25519PublicKey], fare: int, out: TextIO
) -> Callable[[bytes], BleResult]:
    from drivers.ble import ble_result

    def decide(token: bytes) -> BleResult:
        claims = verify_token(token, keys, datetime.now(UTC), 30)
        if isinstance(claims, TokenRejection):
            _say(out, f"validator: token refused ({claims.reason.value}: {claims.detail})")
            return ble_result(Decision(Outcome.DECLINED, Reason.FORGED))
        _say(out, f"validator: token of card …{claims.subject[-4:]} verified (bench: no balance)")
        return ble_result(Decision(Outcome.ACCEPTED, Reason.PAID, Tenge(fare), 1))

    return decide


def _phone_view(phone: SimulatedPhone, outcome: BleOutcome) -> str:
    seen = phone.seen
    if seen is not None:
        verdict = "ACCEPTED" if seen.accepted else "DECLINED"
        return f"phone shows: {verdict} ({seen.reason}) [{seen.language}] {seen.line}"
    if outcome.result is not None:
        return "phone shows: nothing (it left before the result); the tap stands"
    return "phone shows: nothing from the validator; no charge was made"


def _say(out: TextIO, line: str) -> None:
    print(line, file=out, flush=True)
