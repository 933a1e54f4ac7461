"""QR codes scanned on a real pty by the validator's own scanner thread, decided
by the pipeline and journaled: every kind accepted, every way declined."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.remote_media_support import (
    CARD,
    app_token,
    qr,
    qr_card_token,
    ticket_token,
    unit,
)
from validator.model import Reason, Signal


def test_an_app_qr_pays_from_the_account_it_names_and_is_journaled(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        answer = bus.scan(qr(app_token()))
        assert (answer.decision.reason, answer.decision.fare) == (Reason.PAID, 80)
        assert answer.decision.signal is Signal.ACCEPTED
        row = bus.journal[-1]
        assert (row.medium, row.card_number, row.result) == ("qr_app", CARD, "accepted")


def test_a_qr_card_pays_like_its_card_including_passback(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        code = qr(qr_card_token())
        first, second = bus.scan(code), bus.scan(code)
        assert (first.decision.reason, first.decision.balance_after) == (Reason.PAID, 920)
        assert second.decision.reason is Reason.ALREADY_PAID
        assert [r.medium for r in bus.journal] == ["qr_card", "qr_card"]


def test_a_ticket_for_this_bus_is_accepted_once_then_already_used(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        code = qr(ticket_token())
        first, second = bus.scan(code), bus.scan(code)
        assert (first.decision.reason, first.decision.fare) == (Reason.TICKET, 0)
        assert second.decision.reason is Reason.TICKET_USED
        assert [(r.medium, r.result) for r in bus.journal] == [
            ("ticket", "accepted"),
            ("ticket", "declined"),
        ]


def test_a_ticket_for_another_bus_or_route_is_declined_as_wrong_bus(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        assert bus.scan(qr(ticket_token(bus="B 777"))).decision.reason is Reason.WRONG_BUS
        assert bus.scan(qr(ticket_token(route="92"))).decision.reason is Reason.WRONG_BUS
        later = ticket_token(starts=timedelta(hours=3))
        assert bus.scan(qr(later)).decision.reason is Reason.WRONG_BUS


def test_an_expired_ticket_is_declined_as_expired(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        old = ticket_token(starts=timedelta(hours=-5))
        assert bus.scan(qr(old)).decision.reason is Reason.EXPIRED


def test_a_code_signed_by_another_key_is_forged(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        stranger = Ed25519PrivateKey.generate()
        answer = bus.scan(qr(app_token(key=stranger)))
        assert answer.decision.reason is Reason.FORGED
        assert bus.journal[-1].reason == "forged"
        assert bus.scan(b"https://example.com/not-ours\r\n").decision.reason is Reason.FORGED


def test_an_oversize_or_binary_line_is_forged_and_the_scanner_goes_on(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        assert bus.scan(b"A" * 2000 + b"\r\n").decision.reason is Reason.FORGED
        assert bus.scan(b"\x00\xff\xfe garbage\r\n").decision.reason is Reason.FORGED
        assert bus.scan(qr(app_token())).decision.reason is Reason.PAID


def test_a_half_line_asks_to_scan_again(tmp_path: Path) -> None:
    with unit(tmp_path) as bus:
        answer = bus.scan(qr(app_token())[:20])
        assert answer.decision.reason is Reason.READ_ERROR
        assert answer.decision.signal is Signal.PRESENT_AGAIN
        assert bus.journal[-1].reason == "read_error"


def test_an_app_qr_scanned_again_is_replayed_even_after_a_restart(tmp_path: Path) -> None:
    code = qr(app_token())
    with unit(tmp_path) as bus:
        assert bus.scan(code).decision.reason is Reason.PAID
        assert bus.scan(code).decision.reason is Reason.REPLAYED
    with unit(tmp_path) as bus:
        assert bus.scan(code).decision.reason is Reason.REPLAYED
        assert [r.reason for r in bus.journal] == ["paid", "replayed", "replayed"]
