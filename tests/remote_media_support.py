"""Shared set-up for the remote-media tests: a unit with a QR scanner on a real
pty, simulated Bluetooth and no NFC, built by the real ``build_app``, and
codes signed by a test ledger key pinned in the unit's key file."""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from offline_store import CardRow, JournalRow
from validator.app import App, build_app
from validator.config import load_config
from validator.model import CardStatus, Category, Tenge
from validator.pipeline import Answer
from validator.tokens import TicketFields, TokenClaims, TokenKind, issue_token, token_to_qr_text

LEDGER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KID = b"ledger-remote"
CARD = "9398000000000000017"
CARD_BALANCE = Tenge(1000)
BUS = "SIM 001"
ROUTE = "12"
WAIT = 10.0

_ids = itertools.count(1)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _claims(kind: TokenKind, subject: str, life: timedelta, **more: object) -> TokenClaims:
    issued = now() - timedelta(seconds=5)
    token_id = b"" if kind is TokenKind.QR_CARD else next(_ids).to_bytes(16, "big")
    return TokenClaims(
        "kzt-ledger",
        subject,
        kind,
        issued,
        issued + life,
        token_id,
        **more,  # type: ignore[arg-type]
    )


def app_token(card: str = CARD, key: Ed25519PrivateKey = LEDGER_KEY) -> bytes:
    return issue_token(_claims(TokenKind.APP, card, timedelta(minutes=2)), key, KID)


def qr_card_token(card: str = CARD) -> bytes:
    return issue_token(_claims(TokenKind.QR_CARD, card, timedelta(days=365)), LEDGER_KEY, KID)


def ticket_token(
    bus: str = BUS, route: str = ROUTE, starts: timedelta = timedelta(minutes=-5)
) -> bytes:
    valid_from = now() + starts
    fields = TicketFields(route, bus, valid_from, valid_from + timedelta(minutes=90))
    life = valid_from + timedelta(minutes=90) - now() + timedelta(seconds=5)
    claims = _claims(TokenKind.TICKET, "", max(life, timedelta(seconds=1)), ticket=fields)
    return issue_token(claims, LEDGER_KEY, KID)


def qr(token: bytes) -> bytes:
    """What a scanner sends for a code: its text and CR LF."""
    return token_to_qr_text(token).encode() + b"\r\n"


@dataclass
class Unit:
    """A validator built from a unit file; ``answers`` as the pipeline gave them."""

    app: App
    master: int  # the pty's far end, where the 'scanner' writes
    answers: list[Answer] = field(default_factory=list)

    def scan(self, data: bytes) -> Answer:
        count = len(self.answers)
        os.write(self.master, data)
        return self.wait_answer(count)

    def wait_answer(self, count: int) -> Answer:
        until(lambda: len(self.answers) > count)
        return self.answers[count]

    @property
    def journal(self) -> list[JournalRow]:
        return self.app.store.journal()


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


def write_unit(tmp: Path, port: str, extra: str = "") -> Path:
    public = LEDGER_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keys = tmp / "ledger-keys.txt"
    keys.write_text(f"{KID.hex()} {base64.b64encode(public).decode()}\n")
    keys.chmod(0o644)
    unit = tmp / "unit.toml"
    unit.write_text(
        f'[device]\nid = "REMOTE-1"\nbus_number = "{BUS}"\nlanguage = "en"\n'
        f'[route]\nnumber = "{ROUTE}"\n[nfc]\nbackend = "none"\n'
        '[feedback]\nbackend = "recording"\ndisplay = "none"\n'
        f'[store]\ndata_dir = "{tmp / "data"}"\n'
        f'[security]\nledger_keys_file = "{keys}"\n'
        f'[qr]\nbackend = "serial"\nport = "{port}"\nhalf_line_timeout = 0.2\nmax_length = 600\n'
        + extra
    )
    return unit


@contextlib.contextmanager
def unit(tmp: Path, extra: str = "") -> Iterator[Unit]:
    """A validator whose QR scanner reads a real pty; a listed card with 1000 ₸."""
    master, slave = os.openpty()
    link = tmp / "ttyACM0"
    link.unlink(missing_ok=True)
    link.symlink_to(os.ttyname(slave))
    os.close(slave)
    answers: list[Answer] = []
    app = build_app(
        load_config(write_unit(tmp, str(link), extra)),
        stream=io.StringIO(),
        on_answer=answers.append,
    )
    try:
        row = CardRow(CARD, None, CARD_BALANCE, Category.STANDARD, CardStatus.ACTIVE)
        app.store.import_cards([row], list_version=1)
        yield Unit(app, master, answers)
    finally:
        app.close()
        os.close(master)
