"""Emulated secure media for the UDP field: a personalised DESFire transport
card (or a clone of one), an EMV card or phone wallet from its JSON
description, and a phone running the operator's app.

Each is an ``IsoDepCard`` around the APDU model of ``drivers.desfire``,
``drivers.emv`` or ``drivers.phone_app``; the field going off resets the
model as it resets a real chip.
"""

from __future__ import annotations

import os
from typing import Protocol

from drivers.desfire import DEFAULT_PROFILE, CardRecord, DesfireCardModel, DesfireProfile
from drivers.desfire import personalise as personalise_desfire
from drivers.emv.card_model import EmvCardModel, EmvCardSession
from drivers.nfc.emulated_isodep import DESFIRE_ATS, IsoDepCard
from drivers.phone_app import AppPhoneModel

__all__ = [
    "PHONE_ATS",
    "ResettableIsoDepCard",
    "app_phone",
    "desfire_card",
    "desfire_clone",
    "emv_card",
    "random_uid",
]

PHONE_ATS = bytes.fromhex("0578807002")  # FSCI 8 (256 bytes), as Android HCE answers


class _Resettable(Protocol):
    def __call__(self, apdu: bytes) -> bytes: ...

    def reset(self) -> None: ...


class ResettableIsoDepCard(IsoDepCard):
    """An ``IsoDepCard`` whose APDU model forgets its session when the field goes off."""

    def __init__(
        self, uid: bytes, model: _Resettable, *, ats: bytes = DESFIRE_ATS, name: str = "ISO-DEP"
    ) -> None:
        self.model = model
        super().__init__(uid, model, ats=ats, name=name)

    def reset(self) -> None:
        super().reset()
        self.model.reset()


def random_uid() -> bytes:
    """A 4-byte random UID (first byte 08), as phones and many bank cards send."""
    return b"\x08" + os.urandom(3)


def desfire_card(
    uid: bytes, master_key: bytes, record: CardRecord, profile: DesfireProfile = DEFAULT_PROFILE
) -> ResettableIsoDepCard:
    """A transport card personalised with the card key diversified from ``master_key``."""
    model = DesfireCardModel(uid)
    personalise_desfire(model, master_key, record, profile)
    return ResettableIsoDepCard(uid, model, name="MIFARE DESFire")


def desfire_clone(uid: bytes) -> ResettableIsoDepCard:
    """A DESFire card that copied a UID but has none of our application or keys."""
    return ResettableIsoDepCard(uid, DesfireCardModel(uid), name="MIFARE DESFire (clone)")


class _EmvField:
    """An EMV card model with a fresh session for every time it is powered."""

    def __init__(self, model: EmvCardModel) -> None:
        self.card = model
        self.session = EmvCardSession(model)

    def __call__(self, apdu: bytes) -> bytes:
        return self.session(apdu)

    def reset(self) -> None:
        self.session = EmvCardSession(self.card)


def emv_card(model: EmvCardModel, uid: bytes | None = None) -> ResettableIsoDepCard:
    return ResettableIsoDepCard(uid or random_uid(), _EmvField(model), name=model.name or "EMV")


class _PhoneField:
    def __init__(self, token: bytes) -> None:
        self.token = token
        self.phone = AppPhoneModel(token)

    def __call__(self, apdu: bytes) -> bytes:
        return self.phone(apdu)

    def reset(self) -> None:
        self.phone = AppPhoneModel(self.token)


def app_phone(token: bytes, uid: bytes | None = None) -> ResettableIsoDepCard:
    """A phone with the operator's app holding ``token``; a new random UID by default."""
    return ResettableIsoDepCard(
        uid or random_uid(), _PhoneField(token), ats=PHONE_ATS, name="Phone with the app"
    )
