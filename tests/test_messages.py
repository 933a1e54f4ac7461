"""What the passenger reads on the display, in Kazakh, Russian and English."""

from __future__ import annotations

import pytest

from validator.messages import LANGUAGES, Language, format_tenge, passenger_line
from validator.model import Decision, Outcome, Reason, Tenge

ACCEPTING = {
    Reason.PAID,
    Reason.CONCESSION,
    Reason.TRANSFER,
    Reason.DAILY_CAP,
    Reason.ALREADY_PAID,
    Reason.COMPANION,
}


def decision_for(reason: Reason, fare: int = 80, balance: int | None = 1240) -> Decision:
    accepted = reason in ACCEPTING
    return Decision(
        outcome=Outcome.ACCEPTED if accepted else Outcome.DECLINED,
        reason=reason,
        fare=Tenge(fare if accepted else 0),
        riders=1 if accepted else 0,
        balance_after=None if balance is None else Tenge(balance),
    )


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_line_in_every_language_and_each_language_differs(
    reason: Reason,
) -> None:
    lines = [passenger_line(decision_for(reason), language) for language in LANGUAGES]
    assert all(line.strip() for line in lines)
    assert len(set(lines)) == len(LANGUAGES)


def test_every_reason_reads_differently_from_every_other() -> None:
    for language in LANGUAGES:
        lines = {passenger_line(decision_for(reason), language) for reason in Reason}
        assert len(lines) == len(Reason)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Paid 80 ₸ · balance 1 240 ₸"),
        ("ru", "Оплачено 80 ₸ · баланс 1 240 ₸"),
        ("kk", "Төленді 80 ₸ · қалдық 1 240 ₸"),
    ],
)
def test_a_paid_tap_shows_the_fare_and_the_balance(language: Language, expected: str) -> None:
    assert passenger_line(decision_for(Reason.PAID), language) == expected


def test_a_pensioner_riding_free_reads_free_ride() -> None:
    line = passenger_line(decision_for(Reason.CONCESSION, fare=0), "en")
    assert line == "Free ride · balance 1 240 ₸"


def test_a_free_transfer_reads_transfer() -> None:
    line = passenger_line(decision_for(Reason.TRANSFER, fare=0), "ru")
    assert line == "Пересадка · баланс 1 240 ₸"


def test_paying_for_a_companion_names_the_fare() -> None:
    line = passenger_line(decision_for(Reason.COMPANION), "en")
    assert line == "Paid for a companion 80 ₸ · balance 1 240 ₸"


def test_a_second_tap_just_says_already_paid() -> None:
    assert passenger_line(decision_for(Reason.ALREADY_PAID, fare=0), "en") == "Already paid"


def test_too_little_money_asks_for_a_top_up_and_shows_the_debt() -> None:
    decision = decision_for(Reason.INSUFFICIENT_FUNDS, balance=-40)
    assert passenger_line(decision, "en") == "Top up your card · balance −40 ₸"
    assert passenger_line(decision, "kk") == "Картаны толтырыңыз · қалдық −40 ₸"


def test_a_low_balance_adds_a_reminder_to_top_up() -> None:
    decision = Decision(Outcome.ACCEPTED, Reason.PAID, Tenge(80), 1, Tenge(60), low_balance=True)
    assert passenger_line(decision, "en") == "Paid 80 ₸ · balance 60 ₸ · top up soon"


def test_a_bank_card_without_a_balance_shows_only_the_fare() -> None:
    assert passenger_line(decision_for(Reason.PAID, balance=None), "en") == "Paid 80 ₸"


@pytest.mark.parametrize(
    ("reason", "ru", "kk"),
    [
        (Reason.BLOCKED, "Карта заблокирована", "Карта бұғатталған"),
        (Reason.READ_ERROR, "Приложите карту ещё раз", "Картаны қайта тигізіңіз"),
        (Reason.OUT_OF_SERVICE, "Не работает", "Жұмыс істемейді"),
    ],
)
def test_declines_read_naturally_in_russian_and_kazakh(reason: Reason, ru: str, kk: str) -> None:
    decision = decision_for(reason)
    assert (passenger_line(decision, "ru"), passenger_line(decision, "kk")) == (ru, kk)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0 ₸"), (80, "80 ₸"), (1240, "1 240 ₸"), (1234567, "1 234 567 ₸"), (-80, "−80 ₸")],
)
def test_amounts_group_thousands_and_use_a_real_minus(amount: int, text: str) -> None:
    assert format_tenge(amount) == text
