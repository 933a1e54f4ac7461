"""Inspection: did this card, phone or ticket pay on this bus in this trip?

Pure: the caller passes this bus's journal taps (``TapEntry`` values), what
was presented, the keys and the time. A card (or the card an app code names)
has paid when an accepted tap on it lies in the trip window. A ticket QR is
verified offline: a cash ticket with the key of the device that printed it
(kid = device id), an SMS or messenger ticket with the ledger key; then it
must be for this bus and inside its validity. Every answer is an
``Inspection`` value with a line for the inspector in kk, ru or en.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from validator.cash import parse_ticket_subject
from validator.labels import category_name, local_stamp, medium_name
from validator.messages import LANGUAGES, Language, format_tenge, passenger_line
from validator.model import Category, Decision, Medium, Outcome, Tenge
from validator.shift import Phase, ShiftState
from validator.tap_entries import TapEntry
from validator.tokens import (
    RejectReason,
    TokenClaims,
    TokenKind,
    TokenRejection,
    qr_text_to_token,
    verify_token,
)

__all__ = [
    "Inspection",
    "TripWindow",
    "Verdict",
    "inspect_app_code",
    "inspect_bank_card",
    "inspect_card",
    "inspect_ticket",
    "trip_window",
]

DEFAULT_WINDOW = timedelta(minutes=90)
_NO_TENGE = Tenge(0)


class Verdict(StrEnum):
    PAID = "paid"
    NOT_PAID = "not_paid"
    NOT_VALID = "not_valid"  # forged, damaged, expired or for another bus


@dataclass(frozen=True, slots=True)
class TripWindow:
    start: datetime
    end: datetime

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


@dataclass(frozen=True, slots=True)
class Inspection:
    verdict: Verdict
    line: str  # for the inspector
    medium: Medium | None = None
    category: Category | None = None
    paid_at: datetime | None = None
    fare: Tenge = _NO_TENGE
    riders: int = 0
    route: str | None = None
    ticket_number: str | None = None
    detail: str = ""  # for the log: why a code was refused

    @property
    def paid(self) -> bool:
        return self.verdict is Verdict.PAID


def trip_window(
    shift: ShiftState, now: datetime, fallback: timedelta = DEFAULT_WINDOW
) -> TripWindow:
    """Since the running trip started; between trips or off shift, the last
    ``fallback`` (90 minutes unless configured)."""
    if shift.phase is Phase.ON_TRIP and shift.trip_started_at is not None:
        return TripWindow(shift.trip_started_at, now)
    return TripWindow(now - fallback, now)


def inspect_card(
    card_key: str, taps: Iterable[TapEntry], window: TripWindow, language: str = "en"
) -> Inspection:
    """``card_key`` is what the journal holds for the card: its number, its
    UID (MIFARE Classic/Ultralight) or the bank card's PAN token."""
    mine = [t for t in taps if card_key in (t.card_number, t.uid) and window.covers(t.at)]
    return _verdict(mine, window, language)


def inspect_bank_card(
    pan_token: str, taps: Iterable[TapEntry], window: TripWindow, language: str = "en"
) -> Inspection:
    """A bank card or phone wallet, by the keyed PAN token the reader made of
    it (never the PAN): its accepted bank-card taps in the window."""
    mine = [
        t
        for t in taps
        if t.medium is Medium.EMV and t.card_number == pan_token and window.covers(t.at)
    ]
    return _verdict(mine, window, language)


def _verdict(mine: list[TapEntry], window: TripWindow, language: str) -> Inspection:
    paid = [t for t in mine if t.accepted]
    paying = [t for t in paid if t.riders > 0] or paid  # not "already paid" echoes
    book = _book(language)
    if paying:
        return _paid_tap(max(paying, key=lambda t: t.at), window, language)
    line = book["not_paid"].format(start=_time(window.start, window))
    if mine:
        last = max(mine, key=lambda t: t.at)
        said = passenger_line(Decision(Outcome.DECLINED, last.reason), _language(language))
        line += book["declined"].format(time=_time(last.at, window), reason=said)
    return Inspection(Verdict.NOT_PAID, line)


def inspect_app_code(
    qr_text: str,
    ledger_keys: Mapping[bytes, Ed25519PublicKey],
    taps: Iterable[TapEntry],
    window: TripWindow,
    language: str = "en",
    leeway_s: int = 60,
) -> Inspection:
    """A code from the app or a printed QR card: check it, then the card it names."""
    claims = _verified(
        qr_text, ledger_keys, window.end, leeway_s, (TokenKind.APP, TokenKind.QR_CARD)
    )
    if isinstance(claims, TokenRejection):
        return _refused(claims, language, code=True)
    return inspect_card(claims.subject, taps, window, language)


def inspect_ticket(
    qr_text: str,
    keys: Mapping[bytes, Ed25519PublicKey],
    bus: str,
    now: datetime,
    language: str = "en",
    leeway_s: int = 60,
) -> Inspection:
    """A ticket QR: cash tickets verify with the printing device's key, SMS
    and messenger tickets with the ledger key (both in ``keys`` by kid)."""
    claims = _verified(qr_text, keys, now, leeway_s, (TokenKind.TICKET,))
    if isinstance(claims, TokenRejection):
        return _refused(claims, language)
    ticket, book = claims.ticket, _book(language)
    if ticket is None:
        return _refused(TokenRejection(RejectReason.MALFORMED, "no ticket fields"), language)
    if ticket.bus != bus:
        line = book["wrong_bus"].format(bus=ticket.bus, route=ticket.route)
        return Inspection(Verdict.NOT_VALID, line, detail=f"ticket for bus {ticket.bus}")
    if not ticket.valid_from - timedelta(seconds=leeway_s) <= now < ticket.valid_until:
        line = book["expired"].format(time=_time(ticket.valid_until, now))
        return Inspection(Verdict.NOT_VALID, line, detail="outside the ticket's validity")
    return _valid_ticket(claims, now, language)


# --- helpers --------------------------------------------------------------------------


def _verified(
    qr_text: str,
    keys: Mapping[bytes, Ed25519PublicKey],
    now: datetime,
    leeway_s: int,
    kinds: tuple[TokenKind, ...],
) -> TokenClaims | TokenRejection:
    token = qr_text_to_token(qr_text.strip())
    if isinstance(token, TokenRejection):
        return token
    return verify_token(token, keys, now, leeway_s, kinds=kinds)


def _paid_tap(tap: TapEntry, window: TripWindow, language: str) -> Inspection:
    parts = [
        _book(language)["paid"].format(fare=format_tenge(tap.fare), time=_time(tap.at, window)),
        medium_name(tap.medium, language),
    ]
    if tap.category is not None:
        parts.append(category_name(tap.category, language))
    if tap.riders > 1:
        parts.append(f"× {tap.riders}")
    parts.append(_book(language)["route"].format(route=tap.route))
    return Inspection(
        Verdict.PAID,
        " · ".join(parts),
        medium=tap.medium,
        category=tap.category,
        paid_at=tap.at,
        fare=tap.fare,
        riders=tap.riders,
        route=tap.route,
    )


def _valid_ticket(claims: TokenClaims, now: datetime, language: str) -> Inspection:
    assert claims.ticket is not None
    cash = parse_ticket_subject(claims.subject)
    number, riders, category = cash if cash is not None else (claims.subject, 1, None)
    until = _time(claims.ticket.valid_until, now)
    parts = [_book(language)["ticket"].format(number=number, until=until)]
    parts += [] if category is None else [category_name(category, language)]
    parts.append(f"× {riders}")
    return Inspection(
        Verdict.PAID,
        " · ".join(parts),
        medium=Medium.CASH if cash is not None else Medium.TICKET,
        category=category,
        paid_at=claims.issued_at,
        riders=riders,
        route=claims.ticket.route,
        ticket_number=number,
    )


def _refused(rejection: TokenRejection, language: str, *, code: bool = False) -> Inspection:
    book = _book(language)
    if rejection.reason is RejectReason.EXPIRED:
        line = book["code_expired"] if code else book["expired"].format(time="").rstrip()
    elif rejection.reason is RejectReason.NOT_YET_VALID:
        line = book["not_yet"]
    else:
        line = book["forged"]
    return Inspection(Verdict.NOT_VALID, line, detail=f"{rejection.reason}: {rejection.detail}")


def _time(moment: datetime, reference: TripWindow | datetime) -> str:
    now = reference.end if isinstance(reference, TripWindow) else reference
    return local_stamp(moment.astimezone(now.tzinfo), date=False)


def _language(language: str) -> Language:
    return next((known for known in LANGUAGES if known == language), "en")


def _book(language: str) -> dict[str, str]:
    return _BOOKS[_language(language)]


_BOOKS: dict[str, dict[str, str]] = {
    "en": {
        "paid": "Paid {fare} at {time}",
        "route": "route {route}",
        "not_paid": "NOT paid on this bus since {start}",
        "declined": " · tapped at {time} but declined: {reason}",
        "ticket": "Ticket {number} valid until {until}",
        "wrong_bus": "Ticket NOT valid on this bus: it is for bus {bus}, route {route}",
        "expired": "Ticket NOT valid: expired {time}",
        "not_yet": "NOT valid yet: check the validator's clock",
        "code_expired": "App code expired: ask the passenger to open a fresh code",
        "forged": "QR NOT valid: forged, damaged or from an unknown issuer",
    },
    "ru": {
        "paid": "Оплачено {fare} в {time}",
        "route": "маршрут {route}",
        "not_paid": "НЕ оплачено в этом автобусе с {start}",
        "declined": " · приложена в {time}, но отказ: {reason}",
        "ticket": "Билет {number} действует до {until}",
        "wrong_bus": "Билет НЕ действует в этом автобусе: он на автобус {bus}, маршрут {route}",
        "expired": "Билет НЕ действует: срок истёк {time}",
        "not_yet": "Ещё НЕ действует: проверьте часы валидатора",
        "code_expired": "Код приложения истёк: попросите пассажира открыть новый код",
        "forged": "QR-код НЕ действителен: подделка, повреждение или неизвестный выпускающий",
    },
    "kk": {
        "paid": "{time} төленді {fare}",
        "route": "{route} маршрут",
        "not_paid": "{start} бастап бұл автобуста ТӨЛЕНБЕГЕН",
        "declined": " · {time} тигізілді, бірақ қабылданбады: {reason}",
        "ticket": "{number} билеті {until} дейін жарамды",
        "wrong_bus": "Билет бұл автобуста ЖАРАМСЫЗ: ол {bus} автобусына, {route} маршрутына",
        "expired": "Билет ЖАРАМСЫЗ: мерзімі өткен {time}",
        "not_yet": "Әлі ЖАРАМСЫЗ: валидатордың сағатын тексеріңіз",
        "code_expired": "Қосымша коды ескірген: жолаушыдан жаңа код ашуды сұраңыз",
        "forged": "QR-код ЖАРАМСЫЗ: жалған, бүлінген немесе белгісіз шығарушы",
    },
}
