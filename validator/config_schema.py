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
    "flag",
    "hex_text",
    "hours",
    "nfc_path",
    "optional_file",
    "pin",
    "seconds",
    "text",
    "timezone",
    "url",
    "whole",
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


def whole(low: int, high: int) -> Parser:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(f"must be a whole number {low}..{high}, got {shown(value)}")
        return value

    return parse


def hours() -> Parser:
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"must be a number of hours, got {shown(value)}")
        if not 0 < value < float("inf"):
            raise Invalid(f"must be a number of hours above 0, got {shown(value)}")
        return float(value)

    return parse


def hex_text(min_bytes: int, max_bytes: int) -> Parser:
    """Hex digits in quotes, ``min_bytes``..``max_bytes`` bytes; returned upper-case."""

    def parse(value: object) -> str:
        digits = text()(value).strip()
        try:
            size = len(bytes.fromhex(digits))
        except ValueError:
            size = -1
        if size < min_bytes or size > max_bytes or " " in digits:
            what = f"{min_bytes}" if min_bytes == max_bytes else f"{min_bytes} to {max_bytes}"
            raise Invalid(f'must be {what} bytes of hex digits (e.g. "4B5A01"), got {shown(value)}')
        return str(digits.upper())

    return parse


def optional_file() -> Parser:
    """A file path in quotes, or "" for none; a relative path is resolved
    against the config file that names it (see ``config._resolve_files``)."""

    def parse(value: object) -> Path | None:
        name = text(empty_ok=True)(value)
        return Path(name) if name.strip() else None

    return parse


def flag() -> Parser:
    def parse(value: object) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"must be true or false (no quotes), got {shown(value)}")
        return value

    return parse
