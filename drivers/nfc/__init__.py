"""Contactless cards: the nfcpy reader and the UDP card emulator."""

from drivers.nfc.applications import (
    CardExchangeFailed,
    Exchange,
    IsoDepApplication,
    IsoDepHandler,
    select_by_name,
)
from drivers.nfc.emulated_cards import ClassicCard, GarbageUltralightCard, UltralightCard
from drivers.nfc.emulated_isodep import ApduHandler, IsoDepCard
from drivers.nfc.emulator import CardEmulator, emulate_until_interrupted
from drivers.nfc.no_reader import NoReader
from drivers.nfc.reader import NfcpyReader

__all__ = [
    "ApduHandler",
    "CardEmulator",
    "CardExchangeFailed",
    "ClassicCard",
    "Exchange",
    "GarbageUltralightCard",
    "IsoDepApplication",
    "IsoDepCard",
    "IsoDepHandler",
    "NfcpyReader",
    "NoReader",
    "UltralightCard",
    "emulate_until_interrupted",
    "select_by_name",
]
