"""Value parsers for config keys.

A parser takes the raw TOML value and returns the typed one, or raises
``Invalid`` whose message completes the sentence "<key> ..." with what a right
value looks like: ``"must be one of kk, ru, en, got 'de'"``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Invalid",
    "Parser",
    "choice",
    "directory",
    "nfc_path",
    "pin",
    "seconds",
    "text",
    "timezone",
    "url",
]

Parser = Callable[[object], Any]

MAX_BCM_PIN = 27
_NFC_TRANSPORTS = ("usb", "tty", "com", "udp")


class Invalid(ValueError):
    """The value is wrong; the message says what a right one looks like."""


def shown(value: object) -> str:
    """A raw value as the user wrote it: strings quoted, tables as tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def text(*, empty_ok: bool = False) -> Parser:
    def parse(value: object) -> str:
        if not isinstance(value, str):
            raise Invalid(f'must be text in quotes (e.g. "12"), got {shown(value)}')
        if not empty_ok and not value.strip():
            raise Invalid("must not be empty")
        return value

    return parse


def choice(options: tuple[str, ...]) -> Parser:
    def parse(value: object) -> str:
        if value not in options:
            raise Invalid(f"must be one of {', '.join(options)}, got {shown(value)}")
        return str(value)

    return parse


def seconds() -> Parser:
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"must be a number of seconds, got {shown(value)}")
        if not value > 0 or value == float("inf"):
            raise Invalid(f"must be a number of seconds above 0, got {shown(value)}")
        return float(value)

    return parse


def pin() -> Parser:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be a BCM pin number 0..{MAX_BCM_PIN}, got {shown(value)}")
        if not 0 <= value <= MAX_BCM_PIN:
            raise Invalid(f"must be a BCM pin number 0..{MAX_BCM_PIN}, got {value}")
        return value

    return parse


def timezone() -> Parser:
    def parse(value: object) -> str:
        name = text()(value)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise Invalid(
                f'must be an IANA time zone such as "Asia/Almaty", got {shown(value)}'
            ) from error
        return str(name)

    return parse


def url() -> Parser:
    def parse(value: object) -> str:
        address = text(empty_ok=True)(value)
        if address and not address.startswith(("http://", "https://")):
            raise Invalid(
                f'must start with https:// or http:// (or be "" for no ledger), got {shown(value)}'
            )
        return str(address)

    return parse


def nfc_path() -> Parser:
    def parse(value: object) -> str:
        path = str(text()(value))
        if path.split(":", 1)[0] not in _NFC_TRANSPORTS:
            raise Invalid(
                "must start with usb, tty, com or udp "
                f'(e.g. "usb", "tty:AMA0:pn532", "udp:127.0.0.1:54321"), got {shown(value)}'
            )
        return path

    return parse


def directory() -> Parser:
    def parse(value: object) -> Path:
        return Path(text()(value)).absolute()

    return parse
