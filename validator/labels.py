"""Names of fare categories, payment media and directions in kk, ru and en,
for printed tickets, reports and the inspector's lines."""

from __future__ import annotations

from datetime import datetime

from validator.model import Category, Medium

__all__ = ["category_name", "direction_name", "local_stamp", "medium_name"]

_CATEGORIES: dict[str, dict[Category, str]] = {
    "en": {
        Category.STANDARD: "Full fare",
        Category.PENSIONER: "Pensioner",
        Category.STUDENT: "Student",
        Category.SCHOOLCHILD: "Schoolchild",
        Category.DISABLED: "Disability",
        Category.VETERAN: "Veteran",
    },
    "ru": {
        Category.STANDARD: "Полный",
        Category.PENSIONER: "Пенсионер",
        Category.STUDENT: "Студент",
        Category.SCHOOLCHILD: "Школьник",
        Category.DISABLED: "Инвалидность",
        Category.VETERAN: "Ветеран",
    },
    "kk": {
        Category.STANDARD: "Толық",
        Category.PENSIONER: "Зейнеткер",
        Category.STUDENT: "Студент",
        Category.SCHOOLCHILD: "Оқушы",
        Category.DISABLED: "Мүгедектік",
        Category.VETERAN: "Ардагер",
    },
}

_MEDIA: dict[str, dict[Medium, str]] = {
    "en": {
        Medium.CLASSIC: "Card (Classic)",
        Medium.ULTRALIGHT: "Card (Ultralight)",
        Medium.DESFIRE: "Card (DESFire)",
        Medium.EMV: "Bank card",
        Medium.APP_NFC: "App (NFC)",
        Medium.QR_APP: "App (QR)",
        Medium.QR_CARD: "QR card",
        Medium.TICKET: "Ticket",
        Medium.BLE: "Bluetooth",
        Medium.CASH: "Cash",
        Medium.UNKNOWN: "Unknown",
    },
    "ru": {
        Medium.CLASSIC: "Карта (Classic)",
        Medium.ULTRALIGHT: "Карта (Ultralight)",
        Medium.DESFIRE: "Карта (DESFire)",
        Medium.EMV: "Банковская карта",
        Medium.APP_NFC: "Приложение (NFC)",
        Medium.QR_APP: "Приложение (QR)",
        Medium.QR_CARD: "QR-карта",
        Medium.TICKET: "Билет",
        Medium.BLE: "Bluetooth",
        Medium.CASH: "Наличные",
        Medium.UNKNOWN: "Неизвестно",
    },
    "kk": {
        Medium.CLASSIC: "Карта (Classic)",
        Medium.ULTRALIGHT: "Карта (Ultralight)",
        Medium.DESFIRE: "Карта (DESFire)",
        Medium.EMV: "Банк картасы",
        Medium.APP_NFC: "Қосымша (NFC)",
        Medium.QR_APP: "Қосымша (QR)",
        Medium.QR_CARD: "QR-карта",
        Medium.TICKET: "Билет",
        Medium.BLE: "Bluetooth",
        Medium.CASH: "Қолма-қол",
        Medium.UNKNOWN: "Белгісіз",
    },
}

_DIRECTIONS: dict[str, dict[str, str]] = {
    "en": {"forward": "forward", "backward": "return"},
    "ru": {"forward": "прямое", "backward": "обратное"},
    "kk": {"forward": "тура", "backward": "кері"},
}


def category_name(category: Category, language: str) -> str:
    return _CATEGORIES.get(language, _CATEGORIES["en"])[category]


def medium_name(medium: Medium, language: str) -> str:
    return _MEDIA.get(language, _MEDIA["en"])[medium]


def direction_name(direction: str, language: str) -> str:
    return _DIRECTIONS.get(language, _DIRECTIONS["en"]).get(direction, direction)


def local_stamp(moment: datetime, *, date: bool = True) -> str:
    """``14.03.2025 12:00`` (or ``12:00``) in the moment's own timezone."""
    return moment.strftime("%d.%m.%Y %H:%M" if date else "%H:%M")
