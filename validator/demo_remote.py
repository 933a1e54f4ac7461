"""The remote-media scenes of `validator demo`: an app QR payment and a printed
QR card through the scanner's own path (``qr_answer``: ``classify_qr`` then
``Pipeline.present``), SMS and messenger tickets sold at the demo's ledger
arriving by sync with their chirps, a conductor's check (valid, then already
used), a forged QR code, and a Bluetooth payment with two simulated phones
through bleak where the nearer one pays.

The codes are signed by the demo's ledger key, which the unit pins.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from validator.app import App
from validator.demo_media import DemoKeys
from validator.demo_script import ARMAN, KAIRAT, OLZHAS, ZHANNA
from validator.pipeline import Answer
from validator.tokens import TokenClaims, TokenKind, issue_token, token_to_qr_text

if TYPE_CHECKING:
    from sync import SyncService
    from validator.demo_ledger import DemoLedger

__all__ = ["REMOTE_SCENES", "Remote", "RemoteScene", "play_remote"]


@dataclass
class Remote:
    """What the remote scenes act on."""

    app: App
    keys: DemoKeys
    ledger: DemoLedger
    sync: SyncService
    out: TextIO
    codes: list[str] = field(default_factory=list)  # ticket codes sold, in order


@dataclass(frozen=True)
class RemoteScene:
    story: str
    act: Callable[[Remote], list[str]]  # what happened, as short words
    expect: list[str]
    note: str


def _now() -> datetime:
    return datetime.now(UTC)


def _scan(remote: Remote, token: bytes) -> list[str]:
    """The scanner's path for one code text: classify it, present it."""
    from drivers.qr.framing import TextLine
    from validator.sources import qr_answer

    answer = qr_answer(TextLine(token_to_qr_text(token)), remote.app.pipeline, _now())
    _driver(remote, answer)
    return [answer.decision.reason.value]


def _driver(remote: Remote, answer: Answer) -> None:
    decision = answer.decision
    who = answer.card_number or "no card"
    print(
        f"   driver:  {answer.medium.value} {who}: {decision.outcome.value} "
        f"({decision.reason.value}), fare {decision.fare}",
        file=remote.out,
    )


def _qr_card(key: Ed25519PrivateKey, kid: bytes, card_number: str) -> bytes:
    issued = _now() - timedelta(days=1)
    claims = TokenClaims(
        "kzt-ledger", card_number, TokenKind.QR_CARD, issued, issued + timedelta(days=365), b""
    )
    return issue_token(claims, key, kid)


def _forged(remote: Remote) -> bytes:
    """An app code under the demo ledger's key id, signed by another key."""
    now = _now()
    claims = TokenClaims(
        "kzt-ledger", KAIRAT.card_number, TokenKind.APP, now, now + timedelta(minutes=5),
        os.urandom(16),
    )  # fmt: skip
    return issue_token(claims, Ed25519PrivateKey.generate(), remote.keys.kid)


def _sell_and_sync(remote: Remote) -> list[str]:
    bus, route = remote.app.config.device.bus_number, remote.app.pipeline.trip.route
    sms = {"phone": "+77015550123", "short_number": "7575", "text": f"{route} {bus}"}
    chat = {"messenger": "telegram", "user": "aliya_atyrau", "route": route, "bus_number": bus}
    for path, body in (("/v1/gateway/sms", sms), ("/v1/gateway/messenger", chat)):
        sold: dict[str, Any] = remote.ledger.admin.call("POST", path, body)
        remote.codes.append(str(sold["ticket"]["code"]))
    print(f"   ledger:  sold tickets {', '.join(remote.codes)} for bus {bus}", file=remote.out)
    report = remote.sync.run_once()  # the chirps and display lines come from the sync hook
    again = remote.sync.run_once()
    return [f"{report.tickets} arrived", f"{again.tickets} arrived"]


def _check(remote: Remote) -> list[str]:
    """The conductor checks the SMS ticket's code, as `validator tickets check`."""
    code, store, now = remote.codes[0], remote.app.store, _now()
    if not any(str(t["code"]) == code for t in store.ledger.tickets(now)):
        return ["not valid"]
    used = store.ledger.use_ticket(code, now)
    word = "valid" if used is None else "already used"
    print(f"   conductor: {code} {word.upper()}", file=remote.out)
    return [word]


def _bluetooth(remote: Remote) -> list[str]:
    """Two phones press "pay"; the nearer one (stronger signal) is served."""
    from drivers.ble import Air, BlePaymentReader, BleSettings, SimulatedPhone, open_radio
    from validator.sources import ble_decision

    keys, air = remote.keys, Air(advert_interval=0.005)
    near_token = keys.app_token("ble-near", ZHANNA.card_number)
    far_token = keys.app_token("ble-far", OLZHAS.card_number)
    near = air.place(SimulatedPhone("02:00:00:00:00:01", -48, near_token))
    far = air.place(SimulatedPhone("02:00:00:00:00:02", -61, far_token))
    settings = BleSettings(scan_window=0.1, connect_timeout=2.0, read_timeout=2.0)
    reader = BlePaymentReader(open_radio("simulated", air=air), settings)
    try:
        outcome = reader.scan_and_pay_once(
            5.0, lambda token: ble_decision(token, remote.app.pipeline)
        )
    finally:
        reader.close()
    who = "nearer" if outcome.address == near.address else "farther" if outcome.address else "none"
    print(f"   phones:  {near.address} at -48 dBm, {far.address} at -61 dBm", file=remote.out)
    reason = outcome.result.reason if outcome.result is not None else outcome.status.value
    return [f"{who} phone: {reason}"]


REMOTE_SCENES = [
    RemoteScene(
        "Kairat pays with the app's QR code at the scanner.",
        lambda r: _scan(r, r.keys.app_token("qr-app", KAIRAT.card_number)),
        ["paid"],
        "the app code charged his account",
    ),
    RemoteScene(
        "Kairat shows the same app QR code again.",
        lambda r: _scan(r, r.keys.app_token("qr-app", KAIRAT.card_number)),
        ["replayed"],
        "a dynamic code is single use",
    ),
    RemoteScene(
        "Arman shows his printed QR card.",
        lambda r: _scan(r, _qr_card(r.keys.ledger_key, r.keys.kid, ARMAN.card_number)),
        ["paid"],
        "treated as his card: balance list, fare, passback",
    ),
    RemoteScene(
        "Two tickets are bought by SMS and in a messenger; the bus syncs twice.",
        _sell_and_sync,
        ["2 arrived", "0 arrived"],
        "one chirp per new ticket; a second sync brings none",
    ),
    RemoteScene(
        "The conductor checks the SMS ticket's code.",
        _check,
        ["valid"],
        "valid for this bus, and now marked used",
    ),
    RemoteScene(
        "Someone shows the same SMS code again.",
        _check,
        ["already used"],
        "a ticket is used once on this bus",
    ),
    RemoteScene(
        "Someone shows a QR code signed with a key that is not the ledger's.",
        lambda r: _scan(r, _forged(r)),
        ["forged"],
        "declined: the signature does not verify",
    ),
    RemoteScene(
        "Zhanna and Olzhas both press pay in the app; Zhanna stands nearer.",
        _bluetooth,
        ["nearer phone: paid"],
        "the nearest phone above the threshold pays over Bluetooth",
    ),
]


def play_remote(remote: Remote, first: int) -> tuple[int, int]:
    """Play the remote scenes numbered from ``first``: (expected, unexpected)."""
    good = bad = 0
    for number, scene in enumerate(REMOTE_SCENES, start=first):
        print(f"{number}. {scene.story}", file=remote.out)
        got = scene.act(remote)
        if got == scene.expect:
            good += 1
            print(f"   ✓ {scene.note}\n", file=remote.out)
        else:
            bad += 1
            wanted = ", ".join(scene.expect)
            print(f"   ✗ UNEXPECTED: wanted {wanted}, got {', '.join(got)}\n", file=remote.out)
    return good, bad
