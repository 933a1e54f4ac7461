"""Base45 (RFC 9285): binary data as QR-code alphanumeric text."""

from __future__ import annotations

__all__ = ["ALPHABET", "Base45Error", "base45_decode", "base45_encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """The text is not valid Base45."""


def base45_encode(data: bytes) -> str:
    chars: list[str] = []
    for start in range(0, len(data), 2):
        chunk = data[start : start + 2]
        value = int.from_bytes(chunk, "big")
        for _ in range(len(chunk) + 1):
            value, digit = divmod(value, 45)
            chars.append(ALPHABET[digit])
    return "".join(chars)


def base45_decode(text: str) -> bytes:
    if len(text) % 3 == 1:
        raise Base45Error(f"a Base45 text cannot be {len(text)} characters long")
    out = bytearray()
    for start in range(0, len(text), 3):
        chunk = text[start : start + 3]
        value = sum(_digit(char) * 45**place for place, char in enumerate(chunk))
        size = len(chunk) - 1
        if value >= 256**size:
            raise Base45Error(f"Base45 group {chunk!r} is out of range")
        out += value.to_bytes(size, "big")
    return bytes(out)


def _digit(char: str) -> int:
    try:
        return _VALUES[char]
    except KeyError:
        raise Base45Error(f"{char!r} is not a Base45 character") from None
